package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * Clients paying from one account concurrently while the test breaks things, and the check every
 * such run ends with: each accepted payment COMPLETED, paid exactly once, and the money adds up. A
 * client that gets no answer retries with the same key, as a careful client does.
 */
final class PaymentLoad {

  static final long AMOUNT = 1_000;

  private final OnceflowApi api;
  private final UUID account;
  private final long openingBalance;
  private final List<String> keys = new ArrayList<>();
  // idempotency key -> transaction id, for every request answered 202
  private final Map<String, String> accepted = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger();
  private ExecutorService clients;

  PaymentLoad(OnceflowApi api, long openingBalance) throws IOException, InterruptedException {
    this.api = api;
    this.openingBalance = openingBalance;
    this.account = api.openAccount("EUR", openingBalance);
  }

  /**
   * Starts {@code threads} clients submitting {@code count} payments, each up to {@code tries}
   * times.
   */
  PaymentLoad start(String prefix, int count, int threads, int tries) {
    for (int i = 0; i < count; i++) {
      keys.add(prefix + "-" + i + "-" + account);
    }
    clients = Executors.newFixedThreadPool(threads);
    for (int c = 0; c < threads; c++) {
      clients.submit(
          () -> {
            for (int i = next.getAndIncrement(); i < keys.size(); i = next.getAndIncrement()) {
              submit(keys.get(i), tries);
            }
          });
    }
    return this;
  }

  /** Waits until at least {@code count} payments have been accepted. */
  void awaitAccepted(int count, Duration atMost) {
    await().atMost(atMost).until(() -> accepted.size() >= count);
  }

  /** Waits for the clients to finish their keys. */
  void awaitClients(Duration atMost) throws InterruptedException {
    clients.shutdown();
    assertThat(clients.awaitTermination(atMost.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
  }

  /** Submits more payments from this thread, each up to {@code tries} times. */
  void submitMore(String prefix, int count, int tries) {
    for (int i = 0; i < count; i++) {
      String key = prefix + "-" + i + "-" + account;
      keys.add(key);
      submit(key, tries);
    }
  }

  /** Retries, with the same key, every payment that has not been answered 202 yet. */
  void retryUnanswered(int tries) {
    for (String key : keys) {
      submit(key, tries);
    }
  }

  int accepted() {
    return accepted.size();
  }

  /**
   * Every payment was accepted, ends COMPLETED with exactly one payment at the bank, and the
   * account's balance and reservations add up (invariant 4).
   */
  void assertEveryPaymentCompletedOnce(Duration atMostEach) throws Exception {
    assertThat(accepted).hasSize(keys.size());
    long completed = 0;
    for (String id : accepted.values()) {
      JsonNode tx =
          await()
              .atMost(atMostEach)
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> api.transactionUnchecked(id),
                  t -> t.get("state").asString().matches("COMPLETED|FAILED"));
      assertThat(tx.get("state").asString()).as(id).isEqualTo("COMPLETED");
      assertThat(api.bankPaymentsFor(id)).as(id).hasSize(1);
      completed += tx.get("amount").asLong();
    }
    JsonNode balances = api.account(account);
    assertThat(balances.get("balance").asLong()).isEqualTo(openingBalance - completed);
    assertThat(balances.get("reserved").asLong()).isZero();
  }

  private void submit(String key, int tries) {
    for (int attempt = 0; attempt < tries && !accepted.containsKey(key); attempt++) {
      try {
        HttpResponse<String> response =
            api.submit(key, OnceflowApi.payment(account, AMOUNT, "EUR"));
        if (response.statusCode() == 202) {
          accepted.put(key, api.json(response).get("id").asString());
        }
      } catch (IOException e) {
        // no answer (the stack may be down): the outcome is unknown to this client
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
