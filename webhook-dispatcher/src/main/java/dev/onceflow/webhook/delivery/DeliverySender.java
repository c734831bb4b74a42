package dev.onceflow.webhook.delivery;

import static dev.onceflow.webhook.delivery.EventFanOut.utc;

import dev.onceflow.model.LogContext;
import dev.onceflow.model.WebhookTargets;
import dev.onceflow.webhook.WebhookProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends due deliveries, at most {@code max-in-flight} at once. Each is claimed for one attempt in
 * the database ({@link DeliveryStatements#CLAIM}, skipping rows another dispatcher holds), sent
 * with no transaction open, and its outcome recorded with the attempt's log row in one transaction.
 * A dispatcher that dies mid-attempt leaves the delivery to be sent again when its lease ends: a
 * webhook arrives at least once, and receivers tell repeats apart by the event id.
 */
@Component
class DeliverySender implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(DeliverySender.class);
  private static final int MAX_ERROR_LENGTH = 500;

  private final JdbcClient jdbc;
  private final TransactionTemplate transactions;
  private final Clock clock;
  private final WebhookProperties properties;
  private final DeliverySchedule schedule;
  private final HttpClient http;
  private final MeterRegistry meters;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final RandomGenerator random = RandomGenerator.getDefault();

  private ScheduledExecutorService poller;
  private ExecutorService senders;
  private volatile boolean running;

  DeliverySender(
      JdbcClient jdbc,
      TransactionTemplate transactions,
      Clock clock,
      WebhookProperties properties,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.clock = clock;
    this.properties = properties;
    this.meters = meters;
    this.schedule = new DeliverySchedule(properties.retryBase(), properties.retryCap());
    // Redirects are not followed: a redirect could lead to an address the target check refused.
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(properties.requestTimeout())
            .build();
  }

  /** A delivery claimed for one attempt. */
  record Claimed(
      UUID id,
      int attempt,
      UUID eventId,
      String eventType,
      UUID transactionId,
      String payload,
      Instant giveUpAt,
      String url,
      String secret) {}

  @Override
  public void start() {
    senders =
        Executors.newFixedThreadPool(
            properties.maxInFlight(), new CustomizableThreadFactory("webhook-send-"));
    poller =
        Executors.newSingleThreadScheduledExecutor(new CustomizableThreadFactory("webhook-poll-"));
    running = true;
    poller.scheduleWithFixedDelay(
        this::sendDue, 0, properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    running = false;
    poller.shutdownNow();
    senders.shutdown();
    try {
      // An attempt cut short here is sent again when its lease ends.
      senders.awaitTermination(properties.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    senders.shutdownNow();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Claims as many due deliveries as there are free slots, until none is due. */
  private void sendDue() {
    try {
      while (running) {
        int free = properties.maxInFlight() - inFlight.get();
        if (free <= 0) {
          return;
        }
        List<Claimed> claimed = claim(free);
        for (Claimed delivery : claimed) {
          inFlight.incrementAndGet();
          senders.execute(
              () -> {
                try {
                  send(delivery);
                } finally {
                  inFlight.decrementAndGet();
                }
              });
        }
        if (claimed.size() < free) {
          return;
        }
      }
    } catch (RuntimeException e) {
      // The database out of reach, say: the next poll tries again; nothing was claimed.
      log.warn("Looking for due webhook deliveries failed: {}", e.getMessage());
    }
  }

  private List<Claimed> claim(int limit) {
    Instant now = clock.instant();
    return jdbc.sql(DeliveryStatements.CLAIM)
        .param("now", utc(now))
        .param("leaseUntil", utc(now.plus(properties.lease())))
        .param("limit", limit)
        .query(DeliverySender::claimed)
        .list();
  }

  /** A row of {@link DeliveryStatements#CLAIM}. */
  static Claimed claimed(ResultSet rs, int row) throws SQLException {
    return new Claimed(
        rs.getObject("id", UUID.class),
        rs.getInt("attempts"),
        rs.getObject("event_id", UUID.class),
        rs.getString("event_type"),
        rs.getObject("transaction_id", UUID.class),
        rs.getString("payload"),
        rs.getObject("give_up_at", OffsetDateTime.class).toInstant(),
        rs.getString("url"),
        rs.getString("secret"));
  }

  /** One attempt, and its record, logged with the event's and the transaction's ids. */
  void send(Claimed delivery) {
    try (MDC.MDCCloseable eventId =
            MDC.putCloseable(LogContext.EVENT_ID, delivery.eventId().toString());
        MDC.MDCCloseable transactionId =
            MDC.putCloseable(LogContext.TRANSACTION_ID, delivery.transactionId().toString())) {
      attempt(delivery);
    }
  }

  private void attempt(Claimed delivery) {
    Instant started = clock.instant();
    long startNanos = System.nanoTime();
    Integer status = null;
    String error = null;
    try {
      Optional<String> refusal =
          WebhookTargets.refusal(delivery.url(), properties.allowPrivateAddresses());
      if (refusal.isPresent()) {
        error = refusal.get();
      } else {
        HttpResponse<Void> response =
            http.send(request(delivery), HttpResponse.BodyHandlers.discarding());
        status = response.statusCode();
        if (status < 200 || status > 299) {
          error = "HTTP " + status;
        }
      }
    } catch (IOException e) {
      error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return; // shutting down; the lease hands it on
    } catch (RuntimeException e) {
      error = e.toString();
    }
    long latencyNanos = System.nanoTime() - startNanos;
    String outcome = record(delivery, started, latencyNanos, status, error);
    Timer.builder("onceflow.webhooks.attempts")
        .description("Webhook delivery attempts, by what became of the delivery")
        .tag("outcome", outcome)
        .register(meters)
        .record(Duration.ofNanos(latencyNanos));
  }

  private HttpRequest request(Claimed delivery) {
    long now = clock.instant().getEpochSecond();
    return HttpRequest.newBuilder(URI.create(delivery.url()))
        .timeout(properties.requestTimeout())
        .header("Content-Type", "application/json")
        .header("User-Agent", "Onceflow-Webhooks/1")
        .header("Onceflow-Event-Id", delivery.eventId().toString())
        .header("Onceflow-Event-Type", delivery.eventType())
        .header("Onceflow-Delivery-Id", delivery.id().toString())
        .header(
            WebhookSignature.HEADER,
            WebhookSignature.header(delivery.secret(), now, delivery.payload()))
        .POST(HttpRequest.BodyPublishers.ofString(delivery.payload()))
        .build();
  }

  /** Records the attempt and what it means for the delivery: delivered, retry, or failed. */
  private String record(
      Claimed delivery, Instant started, long latencyNanos, Integer status, String error) {
    Instant now = clock.instant();
    String shortError =
        error == null || error.length() <= MAX_ERROR_LENGTH
            ? error
            : error.substring(0, MAX_ERROR_LENGTH);
    Optional<Instant> next =
        error == null
            ? Optional.empty()
            : schedule.next(delivery.attempt(), now, delivery.giveUpAt(), random);
    String outcome = error == null ? "delivered" : next.isPresent() ? "retry" : "failed";
    try {
      transactions.executeWithoutResult(
          tx -> {
            jdbc.sql(DeliveryStatements.RECORD_ATTEMPT)
                .param("id", delivery.id())
                .param("attempt", delivery.attempt())
                .param("startedAt", utc(started))
                .param("latencyMs", (int) Math.min(Integer.MAX_VALUE, latencyNanos / 1_000_000))
                .param("statusCode", status)
                .param("error", shortError)
                .update();
            JdbcClient.StatementSpec update =
                jdbc.sql(
                        switch (outcome) {
                          case "delivered" -> DeliveryStatements.DELIVERED;
                          case "retry" -> DeliveryStatements.RETRY;
                          default -> DeliveryStatements.FAILED;
                        })
                    .param("id", delivery.id())
                    .param("attempt", delivery.attempt())
                    .param("statusCode", status)
                    .param("now", utc(now));
            if (!outcome.equals("delivered")) {
              update = update.param("error", shortError);
            }
            if (outcome.equals("retry")) {
              update = update.param("nextAttemptAt", utc(next.get()));
            }
            update.update();
          });
    } catch (RuntimeException e) {
      // Not recorded: the lease ends and the delivery is sent again, which at-least-once allows.
      log.warn(
          "Recording attempt {} of delivery {} failed: {}",
          delivery.attempt(),
          delivery.id(),
          e.getMessage());
      return "unrecorded";
    }
    if (!outcome.equals("delivered")) {
      log.info(
          "Webhook delivery {} attempt {} to {} failed ({}); {}",
          delivery.id(),
          delivery.attempt(),
          delivery.url(),
          shortError,
          next.map(at -> "next attempt at " + at).orElse("giving up"));
    }
    return outcome;
  }
}
