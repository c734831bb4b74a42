package dev.onceflow.local;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Keeps the console's web security and templates out of the other services. The local stack's jar
 * puts every service on one class path, so without this Spring Boot would lock intake's API and
 * every actuator behind a generated password, since Spring Security is on the class path for the
 * console.
 *
 * <p>The exclusions are added to the ones the service's own config file names (intake, the relay
 * and the bank simulator exclude auto-configurations of their own): a property would replace that
 * list rather than add to it.
 */
final class WithoutConsoleAutoConfiguration
    implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  private static final String EXCLUDE = "spring.autoconfigure.exclude";

  /** The console's auto-configurations that would act in an application without its own. */
  static final List<String> CONSOLE_ONLY =
      List.of(
          "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
          "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
          "org.springframework.boot.thymeleaf.autoconfigure.ThymeleafAutoConfiguration");

  private WithoutConsoleAutoConfiguration() {}

  /** The application, started without the console's auto-configurations. */
  static SpringApplicationBuilder applyTo(SpringApplicationBuilder application) {
    return application.listeners(new WithoutConsoleAutoConfiguration());
  }

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    // Runs after the config files are read (a listener of the lowest precedence), so their list
    // is in the environment already.
    ConfigurableEnvironment environment = event.getEnvironment();
    Set<String> excluded = new LinkedHashSet<>();
    Binder.get(environment)
        .bind(EXCLUDE, String[].class)
        .ifBound(names -> excluded.addAll(List.of(names)));
    excluded.addAll(CONSOLE_ONLY);
    environment
        .getPropertySources()
        .addFirst(
            new MapPropertySource(
                "localStackWithoutConsole", Map.of(EXCLUDE, String.join(",", excluded))));
  }
}
