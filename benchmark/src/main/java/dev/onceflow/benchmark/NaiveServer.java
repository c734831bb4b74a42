package dev.onceflow.benchmark;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The naive flow the article warns about, for comparison only: the request thread calls the bank
 * and waits for it, then records the payment. Its latency carries the bank's; it writes into the
 * ceiling database so that nothing in Onceflow's own tables changes.
 */
final class NaiveServer implements AutoCloseable {

  private static final Pattern ACCOUNT = Pattern.compile("\"accountId\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern AMOUNT = Pattern.compile("\"amount\"\\s*:\\s*(\\d+)");

  private final HttpServer server;
  private final ExecutorService threads;
  private final BlockingQueue<Connection> connections;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String bankUrl;

  /** As many request threads as intake's Tomcat would use at this load, and intake's pool size. */
  NaiveServer(String jdbcUrl, String user, String bankUrl, int threadCount, int poolSize)
      throws IOException, SQLException {
    this.bankUrl = bankUrl;
    connections = new ArrayBlockingQueue<>(poolSize);
    for (int i = 0; i < poolSize; i++) {
      Connection connection = DriverManager.getConnection(jdbcUrl, user, "");
      connection.setAutoCommit(false);
      connections.add(connection);
    }
    threads = Executors.newFixedThreadPool(threadCount);
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 1024);
    server.setExecutor(threads);
    server.createContext("/transactions", this::handle);
    server.start();
  }

  String url() {
    return "http://localhost:" + server.getAddress().getPort() + "/transactions";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      int status;
      byte[] answer = new byte[0];
      try {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        Matcher account = ACCOUNT.matcher(body);
        Matcher amount = AMOUNT.matcher(body);
        if (key == null || !account.find() || !amount.find()) {
          status = 400;
        } else {
          UUID transactionId = UUID.randomUUID();
          String bankKey = UUID.randomUUID().toString();
          long value = Long.parseLong(amount.group(1));
          if (callBank(transactionId, bankKey, value) / 100 != 2) {
            status = 502;
          } else {
            record(transactionId, key, bankKey, UUID.fromString(account.group(1)), value);
            status = 201;
            answer =
                ("{\"id\":\"" + transactionId + "\",\"state\":\"COMPLETED\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Location", "/transactions/" + transactionId);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        status = 503;
      } catch (SQLException | IOException | RuntimeException e) {
        status = 500;
      }
      exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        exchange.getResponseBody().write(answer);
      }
    }
  }

  private int callBank(UUID transactionId, String bankKey, long amount)
      throws IOException, InterruptedException {
    String payment =
        """
        {"amount":%d,"currency":"EUR","creditorName":"ACME GmbH","creditorIban":"DE89370400440532013000",\
        "endToEndReference":"%s","remittanceInformation":"naive benchmark"}"""
            .formatted(amount, transactionId);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(bankUrl + "/payments"))
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", bankKey)
            .POST(HttpRequest.BodyPublishers.ofString(payment))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** After the bank answered: the key, the settled amount and the transaction, in one commit. */
  private void record(UUID transactionId, String key, String bankKey, UUID accountId, long amount)
      throws SQLException, InterruptedException {
    Connection connection = connections.take();
    try {
      try (PreparedStatement claim =
          connection.prepareStatement(
              "INSERT INTO idempotency_keys (client_id, idempotency_key, request_fingerprint, transaction_id, created_at, expires_at)"
                  + " VALUES (?::uuid, ?, ?, ?, now(), now() + interval '24 hours') ON CONFLICT DO NOTHING")) {
        claim.setString(1, SqlCeiling.CLIENT_ID);
        claim.setString(2, key);
        claim.setString(3, "0".repeat(64));
        claim.setObject(4, transactionId);
        claim.executeUpdate();
      }
      try (PreparedStatement settle =
          connection.prepareStatement(
              "UPDATE accounts SET balance = balance - ?, version = version + 1, updated_at = now()"
                  + " WHERE id = ? AND balance - reserved >= ?")) {
        settle.setLong(1, amount);
        settle.setObject(2, accountId);
        settle.setLong(3, amount);
        settle.executeUpdate();
      }
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO transactions (id, client_id, account_id, state, amount, currency, creditor_name, creditor_iban,"
                  + " reference, external_key, attempts, next_attempt_at, lease_until, idempotency_key, version, created_at, updated_at)"
                  + " VALUES (?, ?::uuid, ?, 'COMPLETED', ?, 'EUR', 'ACME GmbH', 'DE89370400440532013000', 'naive', ?, 1, now(), now(), ?, 0, now(), now())")) {
        insert.setObject(1, transactionId);
        insert.setString(2, SqlCeiling.CLIENT_ID);
        insert.setObject(3, accountId);
        insert.setLong(4, amount);
        insert.setString(5, bankKey);
        insert.setString(6, key);
        insert.executeUpdate();
      }
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connections.add(connection);
    }
  }

  @Override
  public void close() throws SQLException {
    server.stop(0);
    threads.shutdownNow();
    for (Connection connection : connections) {
      connection.close();
    }
  }
}
