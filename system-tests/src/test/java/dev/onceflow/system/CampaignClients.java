package dev.onceflow.system;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Clients that behave like real ones against two intake instances behind no load balancer (each
 * request picks one): they retry with the same key after a timeout or a 5xx, sometimes submit twice
 * in a row or three times at once, and sometimes reuse a key with a changed payload. Every payment
 * is a small state machine on a shared scheduler, so thousands run with a few threads and every
 * wait is a scheduled task, not a sleeping thread.
 */
final class CampaignClients {

  /** What the clients saw for one Idempotency-Key. */
  static final class Payment {
    final String key;
    final UUID account;
    final long amount;
    final String iban;
    final String reference;
    final boolean doubleSubmit;
    final boolean concurrentDuplicates;
    final boolean changedPayload;

    /** Every transaction id any answer named for this key: exactly one is right. */
    final Set<String> ids = ConcurrentHashMap.newKeySet();

    /** 202 (accepted) or 422 (refused for insufficient funds): the first definitive answer. */
    volatile int answer;

    /** What the changed payload was answered with, 0 until then. */
    volatile int changedPayloadAnswer;

    volatile String changedPayloadProblem;
    final List<String> violations = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Retries so far, for the client's backoff. */
    final AtomicInteger retries = new AtomicInteger();

    Payment(
        String key,
        UUID account,
        long amount,
        String iban,
        boolean doubleSubmit,
        boolean concurrentDuplicates,
        boolean changedPayload) {
      this.key = key;
      this.account = account;
      this.amount = amount;
      this.iban = iban;
      // Unique per payment, so that the bank's side can be matched field by field.
      this.reference = "ref " + key;
      this.doubleSubmit = doubleSubmit;
      this.concurrentDuplicates = concurrentDuplicates;
      this.changedPayload = changedPayload;
    }

    String id() {
      return ids.size() == 1 ? ids.iterator().next() : null;
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final String CURRENCY = "EUR";
  private static final List<String> IBANS =
      List.of(
          "DE89370400440532013000",
          "GB82WEST12345698765432",
          "FR1420041010050500013M02606",
          "NL91ABNA0417164300");
  private static final Duration[] TIMEOUTS = {
    Duration.ofMillis(800), Duration.ofSeconds(3), Duration.ofSeconds(10)
  };

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<String> intakeUrls;
  private final String apiKey;
  private final ScheduledExecutorService scheduler;
  private final Random random;
  private final Map<String, Payment> payments = new ConcurrentHashMap<>();
  private final Collection<Payment> inOrder = new ConcurrentLinkedQueue<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger retries = new AtomicInteger();
  private final Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
  private final CountDownLatch remaining;
  // One permit per client: a client is busy with its payment (retries and backoff included) until
  // it has its answers, so the load stays that of a bounded number of clients, whatever fails.
  private final Semaphore clients;

  CampaignClients(
      List<String> intakeUrls,
      String apiKey,
      ScheduledExecutorService scheduler,
      long seed,
      int count,
      int clients) {
    this.intakeUrls = intakeUrls;
    this.apiKey = apiKey;
    this.scheduler = scheduler;
    this.random = new Random(seed);
    this.remaining = new CountDownLatch(count);
    this.clients = new Semaphore(clients);
  }

  /**
   * Plans one payment from the seeded random source (called in a fixed order, so a seed always
   * gives the same payments) and schedules its first request at {@code at} from now.
   */
  void schedule(String key, List<UUID> accounts, Duration at) {
    Payment payment;
    synchronized (random) {
      double behaviour = random.nextDouble();
      payment =
          new Payment(
              key,
              accounts.get(random.nextInt(accounts.size())),
              1 + random.nextInt(5_000),
              IBANS.get(random.nextInt(IBANS.size())),
              behaviour < 0.10,
              behaviour >= 0.10 && behaviour < 0.15,
              behaviour >= 0.15 && behaviour < 0.20);
    }
    payments.put(key, payment);
    inOrder.add(payment);
    scheduler.schedule(() -> firstWhenAClientIsFree(payment), at.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Waits until every payment has its definitive answers (and follow-ups). */
  boolean awaitAnswered(Duration atMost) throws InterruptedException {
    return remaining.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
  }

  long unanswered() {
    return remaining.getCount();
  }

  Collection<Payment> payments() {
    return inOrder;
  }

  int requests() {
    return requests.get();
  }

  int retries() {
    return retries.get();
  }

  Map<Integer, AtomicInteger> answersByStatus() {
    return answers;
  }

  private void firstWhenAClientIsFree(Payment payment) {
    if (clients.tryAcquire()) {
      first(payment);
    } else {
      scheduler.schedule(() -> firstWhenAClientIsFree(payment), 20, TimeUnit.MILLISECONDS);
    }
  }

  /** The payment has all its answers: its client takes the next one. */
  private void done() {
    remaining.countDown();
    clients.release();
  }

  private void first(Payment payment) {
    if (payment.concurrentDuplicates) {
      // The same request three times at once (a double-clicking user on a flaky network): each
      // answer must name the one transaction; those without a definitive answer are retried.
      List<CompletableFuture<Integer>> sends = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        sends.add(send(payment, payment.amount).thenApply(answer -> record(payment, answer)));
      }
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
          .whenComplete((ignored, failure) -> afterAttempt(payment));
    } else {
      send(payment, payment.amount)
          .thenApply(answer -> record(payment, answer))
          .whenComplete((ignored, failure) -> afterAttempt(payment));
    }
  }

  private void afterAttempt(Payment payment) {
    if (payment.answer == 0) {
      retries.incrementAndGet();
      retryLater(
          payment,
          () ->
              send(payment, payment.amount)
                  .thenApply(answer -> record(payment, answer))
                  .whenComplete((ignored, failure) -> afterAttempt(payment)));
    } else if (payment.doubleSubmit) {
      // Submitted again after the answer (the user pressed "pay" twice): the same transaction.
      sendUntilDefinitive(
          payment,
          payment.amount,
          answer -> {
            record(payment, answer);
            done();
          });
    } else if (payment.changedPayload) {
      sendUntilDefinitive(
          payment,
          payment.amount + 1,
          answer -> {
            payment.changedPayloadAnswer = answer.status();
            payment.changedPayloadProblem = answer.problemType();
            if (answer.status() == 202 && answer.id() != null) {
              payment.ids.add(answer.id());
            }
            done();
          });
    } else {
      done();
    }
  }

  private void sendUntilDefinitive(
      Payment payment, long amount, java.util.function.Consumer<Answer> onAnswer) {
    send(payment, amount)
        .whenComplete(
            (answer, failure) -> {
              if (answer != null && answer.definitive()) {
                onAnswer.accept(answer);
              } else {
                retries.incrementAndGet();
                retryLater(payment, () -> sendUntilDefinitive(payment, amount, onAnswer));
              }
            });
  }

  /** A definitive answer fixes the payment's outcome; anything else leaves it for a retry. */
  private int record(Payment payment, Answer answer) {
    if (answer.id() != null && (answer.status() == 202 || answer.status() == 422)) {
      payment.ids.add(answer.id());
    }
    if (answer.status() == 422 && "idempotency-key-reused".equals(answer.problemType())) {
      payment.violations.add("the unchanged payload was refused as a reused key");
    } else if (answer.definitive() && answer.status() != 202 && answer.status() != 422) {
      payment.violations.add(
          "a valid request was answered " + answer.status() + " " + answer.problemType());
    }
    if (answer.definitive() && payment.answer == 0) {
      payment.answer = answer.status();
    } else if (answer.definitive() && payment.answer != answer.status()) {
      payment.violations.add("answered " + payment.answer + " then " + answer.status());
    }
    return answer.status();
  }

  /** Exponential backoff with jitter, as a careful client does: 0.1 s doubling up to 5 s. */
  private void retryLater(Payment payment, Runnable retry) {
    long ceiling = Math.min(5_000, 100L << Math.min(payment.retries.getAndIncrement(), 6));
    long backoff;
    synchronized (random) {
      backoff = ceiling / 2 + random.nextInt((int) (ceiling / 2) + 1);
    }
    scheduler.schedule(retry, backoff, TimeUnit.MILLISECONDS);
  }

  /** One request; an IOException or a timeout is status 0 (no answer). */
  private CompletableFuture<Answer> send(Payment payment, long amount) {
    String intake;
    Duration timeout;
    synchronized (random) {
      intake = intakeUrls.get(random.nextInt(intakeUrls.size()));
      timeout = TIMEOUTS[random.nextInt(TIMEOUTS.length)];
    }
    requests.incrementAndGet();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(intake + "/transactions"))
            .timeout(timeout)
            .header("Authorization", "Bearer " + apiKey)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", payment.key)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    OnceflowApi.payment(
                        payment.account, amount, CURRENCY, payment.iban, payment.reference)))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, failure) -> {
              Answer answer = failure != null ? new Answer(0, null, null) : Answer.of(response);
              answers
                  .computeIfAbsent(answer.status(), status -> new AtomicInteger())
                  .incrementAndGet();
              return answer;
            });
  }

  /** The parts of an intake answer the campaign checks. */
  record Answer(int status, String id, String problemType) {

    static Answer of(HttpResponse<String> response) {
      String id = null;
      String type = null;
      try {
        JsonNode body = JSON.readTree(response.body());
        if (body.hasNonNull("id")) {
          id = body.get("id").asString();
        }
        if (body.hasNonNull("type")) {
          String uri = body.get("type").asString();
          type = uri.substring(uri.lastIndexOf('/') + 1);
        }
      } catch (RuntimeException e) {
        // not JSON (a proxy's or a dying server's page): no id, no type
      }
      return new Answer(response.statusCode(), id, type);
    }

    /**
     * 202, 422 or another 4xx: the outcome for the key is known and retrying would not change it.
     * No answer, a 5xx, 408 and 429 are worth a retry.
     */
    boolean definitive() {
      return status >= 200 && status < 500 && status != 408 && status != 429;
    }
  }
}
