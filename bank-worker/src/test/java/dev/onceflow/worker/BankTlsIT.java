package dev.onceflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.testing.SharedTestInfrastructure;
import dev.onceflow.worker.ScriptedBank.Answer;
import dev.onceflow.worker.settlement.SettlementProcessor;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The worker calls a bank that requires https with a client certificate, with the certificate and
 * the bank's trust taken from a Spring SSL bundle ({@code onceflow.bank.ssl-bundle}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BankTlsIT {

  private static final String PASSWORD = "changeit";

  private Path stores;
  private ScriptedBank bank;
  private ConfigurableApplicationContext worker;
  private TestDatabase db;

  @BeforeAll
  void start() throws Exception {
    stores = Files.createTempDirectory("onceflow-bank-tls");
    // A self-signed certificate each for the bank and the worker, each trusted by the other.
    keyPair("bank", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
    keyPair("worker", "CN=onceflow-worker", "KeyUsage=digitalSignature");
    trust("worker-trust", "bank");
    trust("bank-trust", "worker");
    bank = new ScriptedBank(tls("bank", "bank-trust"));
    worker =
        TestWorker.driven(
            bank.baseUrl(),
            "onceflow.bank.ssl-bundle=bank",
            "spring.ssl.bundle.jks.bank.keystore.location=file:" + stores.resolve("worker.p12"),
            "spring.ssl.bundle.jks.bank.keystore.password=" + PASSWORD,
            "spring.ssl.bundle.jks.bank.keystore.type=PKCS12",
            "spring.ssl.bundle.jks.bank.truststore.location=file:"
                + stores.resolve("worker-trust.p12"),
            "spring.ssl.bundle.jks.bank.truststore.password=" + PASSWORD,
            "spring.ssl.bundle.jks.bank.truststore.type=PKCS12");
    db = new TestDatabase(SharedTestInfrastructure.postgres(), "bank_tls_it");
  }

  @AfterAll
  void stop() throws Exception {
    TestWorker.closeAll(worker, bank, db);
  }

  @Test
  void paysOverHttpsWithTheBundlesClientCertificate() throws Exception {
    UUID account = db.insertAccount(10_000, 1_000);
    UUID tx = db.insertPendingTransaction(account, 1_000);
    bank.onPay(Answer.payment(201, "pay-tls", "SETTLED"));

    worker.getBean(SettlementProcessor.class).process(tx);

    assertThat(bank.baseUrl()).startsWith("https://");
    assertThat(db.transaction(tx).state()).isEqualTo("COMPLETED");
    assertThat(db.transaction(tx).bankReference()).isEqualTo("pay-tls");
    assertThat(bank.clientCertificates()).containsExactly("CN=onceflow-worker");
  }

  private void keyPair(String name, String subject, String extension) throws Exception {
    keytool(
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        subject,
        "-ext",
        extension,
        "-storetype",
        "PKCS12",
        "-keystore",
        stores.resolve(name + ".p12").toString(),
        "-storepass",
        PASSWORD);
    keytool(
        "-exportcert",
        "-alias",
        name,
        "-keystore",
        stores.resolve(name + ".p12").toString(),
        "-storepass",
        PASSWORD,
        "-file",
        stores.resolve(name + ".crt").toString());
  }

  private void trust(String store, String certificate) throws Exception {
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        certificate,
        "-file",
        stores.resolve(certificate + ".crt").toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        stores.resolve(store + ".p12").toString(),
        "-storepass",
        PASSWORD);
  }

  private SSLContext tls(String keys, String trusted) throws Exception {
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(load(keys), PASSWORD.toCharArray());
    TrustManagerFactory trustManagers =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trustManagers.init(load(trusted));
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    return context;
  }

  private KeyStore load(String name) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(stores.resolve(name + ".p12"))) {
      store.load(in, PASSWORD.toCharArray());
    }
    return store;
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
    }
  }
}
