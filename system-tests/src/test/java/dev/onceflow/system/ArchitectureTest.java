package dev.onceflow.system;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code inside each module, checked on the compiled runtime classes of them all
 * (Maven already keeps the modules themselves from depending on each other in a circle). A module's
 * root package holds its application, settings and wiring; its feature packages below it must not
 * depend on each other in a circle, and only the web layer knows HTTP's problem answers.
 */
class ArchitectureTest {

  private static JavaClasses onceflow;

  @BeforeAll
  static void importClasses() {
    onceflow =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.onceflow");
  }

  @Test
  void featurePackagesHaveNoCycles() {
    // dev.onceflow.<module>.<feature>..: e.g. intake.transaction with intake.transaction.web.
    slices().matching("dev.onceflow.(*).(*)..").should().beFreeOfCycles().check(onceflow);
  }

  @Test
  void onlyTheWebLayerDependsOnIt() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "..web..", "dev.onceflow.intake", "dev.onceflow.bank", "dev.onceflow.worker")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.onceflow.*.web..")
        .because("domain code throws domain exceptions, which the web layer maps to problem+json")
        .check(onceflow);
  }

  @Test
  void theStoreAndTheModelKnowNoService() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.onceflow.model..", "dev.onceflow.store..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.onceflow.intake..",
            "dev.onceflow.worker..",
            "dev.onceflow.relay..",
            "dev.onceflow.bank..")
        .check(onceflow);
  }
}
