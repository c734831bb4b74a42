package dev.onceflow.intake.admin;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.intake.admin.AdminStatements.AuditRow;
import dev.onceflow.intake.admin.AdminStatements.StoredAnswer;
import dev.onceflow.intake.client.ApiKeys;
import dev.onceflow.intake.paging.Page;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.intake.refusal.Refusal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Admin writes, idempotent and audited. A write takes an Idempotency-Key with the payments'
 * contract: the first request's answer is kept and replayed to every retry with the same content
 * (so retrying an account opening never opens a second funded account), other content under the key
 * is refused with 422, and nothing is changed twice. The write, its audit row and its kept answer
 * commit together. Reads and refusals are audited in a DB transaction of their own.
 */
@Service
public class AdminActions {

  private static final Logger log = LoggerFactory.getLogger(AdminActions.class);

  /** Never kept, so never replayed: a created API key is shown once. */
  private static final String SECRET_FIELD = "apiKey";

  /** What a write answers, and the audit's one-line account of it. */
  public record Answer(HttpStatus status, String location, Object body, String outcome) {}

  /** A write's answer as sent: the first one, or its replay. */
  public record Done(int status, String location, JsonNode body, boolean replayed) {}

  private final AdminStatements statements;
  private final JsonMapper json;
  private final IntakeProperties properties;
  private final Clock clock;

  AdminActions(
      AdminStatements statements, JsonMapper json, IntakeProperties properties, Clock clock) {
    this.statements = statements;
    this.json = json;
    this.properties = properties;
    this.clock = clock;
  }

  /**
   * Runs {@code action} once per Idempotency-Key, with its audit row. A call without a key (a
   * DELETE, idempotent by its nature) runs with its audit row and keeps no answer.
   */
  @Transactional
  public Done write(AdminCall call, Object request, Supplier<Answer> action) {
    String key = call.idempotencyKey();
    String fingerprint =
        ApiKeys.hash(call.method() + " " + call.path() + "\n" + json.writeValueAsString(request));
    Instant now = now();
    if (key != null
        && statements.claim(key, fingerprint, now, now.plus(properties.idempotencyKeyTtl())) == 0) {
      return replay(call, fingerprint, now);
    }
    Answer answer = action.get();
    JsonNode body = json.valueToTree(answer.body());
    if (key != null) {
      JsonNode kept = body.deepCopy();
      if (kept instanceof ObjectNode object) {
        object.remove(SECRET_FIELD);
      }
      statements.keepAnswer(
          key, answer.status().value(), answer.location(), json.writeValueAsString(kept));
    }
    audit(call, answer.status().value(), answer.outcome(), now);
    return new Done(answer.status().value(), answer.location(), body, false);
  }

  private Done replay(AdminCall call, String fingerprint, Instant now) {
    StoredAnswer stored =
        statements
            .findLive(call.idempotencyKey(), now)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "claimed admin key vanished: " + call.idempotencyKey()));
    if (!stored.fingerprint().equals(fingerprint)) {
      throw Refusal.unprocessable(
          "idempotency-key-reused",
          "Idempotency-Key reused",
          "Idempotency-Key '"
              + call.idempotencyKey()
              + "' was already used for a different admin request; nothing was changed.");
    }
    audit(call, stored.status(), "replayed the answer of the first request with this key", now);
    return new Done(stored.status(), stored.location(), json.readTree(stored.body()), true);
  }

  /**
   * Records a request that changed nothing: a read, or a refusal. Best effort: an audit that cannot
   * be written (the database is down) must not turn a refusal into a 500.
   */
  public void record(AdminCall call, int status, String outcome) {
    try {
      audit(call, status, outcome, now());
    } catch (DataAccessException e) {
      log.warn(
          "Could not audit admin request {} {} ({}): {}",
          call.method(),
          call.path(),
          status,
          e.getMessage());
    }
  }

  /** One page of the admin API's audit, newest first. */
  public Page<AuditRow> audit(PageRequest request) {
    return statements.audit(request);
  }

  /**
   * Keeps the table from growing; correctness does not depend on it (a claim takes expired rows).
   */
  @Scheduled(
      initialDelayString = "${onceflow.intake.key-purge-interval:1m}",
      fixedDelayString = "${onceflow.intake.key-purge-interval:1m}")
  public int purgeExpiredKeys() {
    int total = 0;
    try {
      int deleted;
      do {
        deleted = statements.purgeExpired(clock.instant(), properties.expiryBatchSize());
        total += deleted;
      } while (deleted == properties.expiryBatchSize());
    } catch (DataAccessException e) {
      log.warn(
          "Purging expired admin idempotency keys stopped after {}: {}", total, e.getMessage());
    }
    return total;
  }

  private void audit(AdminCall call, int status, String outcome, Instant at) {
    statements.audit(
        new AuditRow(
            UUID.randomUUID(),
            at,
            call.actor(),
            call.remoteAddress(),
            call.method(),
            truncate(call.path(), 300),
            call.idempotencyKey(),
            status,
            truncate(outcome, 1000)));
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max);
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS);
  }
}
