package dev.onceflow.intake.transaction.web;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.transaction.IdempotencyKeyHeader;
import dev.onceflow.intake.transaction.PaymentIntake;
import dev.onceflow.intake.transaction.PaymentIntake.Submission;
import dev.onceflow.intake.transaction.SubmitPayment;
import dev.onceflow.intake.transaction.TransactionQueries;
import dev.onceflow.intake.web.ApiException;
import dev.onceflow.model.PaymentTransaction;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/transactions")
class TransactionController {

  private static final Pattern PREFER_WAIT = Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*(\\d{1,6})\\b");

  private final PaymentIntake intake;
  private final TransactionQueries queries;
  private final IntakeProperties properties;

  TransactionController(PaymentIntake intake, TransactionQueries queries, IntakeProperties properties) {
    this.intake = intake;
    this.queries = queries;
    this.properties = properties;
  }

  @PostMapping
  ResponseEntity<TransactionView> submit(
      AuthenticatedClient client,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
      @RequestBody(required = false) SubmitRequest request) {
    String key = IdempotencyKeyHeader.parse(idempotencyKey);
    if (request == null) {
      throw ApiException.badRequest(
          "malformed-body", "Malformed request body", "A JSON payment request body is required.");
    }
    SubmitRequest.Creditor creditor =
        request.creditor() == null ? new SubmitRequest.Creditor(null, null) : request.creditor();
    SubmitPayment payment =
        SubmitPayment.validate(
            request.accountId(),
            request.amount(),
            properties.maxAmount(),
            request.currency(),
            creditor.name(),
            creditor.iban(),
            request.reference());
    Submission submission = intake.submit(client, key, payment);
    PaymentTransaction tx = submission.transaction();
    ResponseEntity.BodyBuilder response =
        ResponseEntity.status(submission.refused() ? HttpStatus.UNPROCESSABLE_CONTENT : HttpStatus.ACCEPTED)
            .location(URI.create("/transactions/" + tx.getId()));
    if (submission.replayed()) {
      response.header("Idempotent-Replay", "true");
    }
    return response.body(TransactionView.of(tx));
  }

  @GetMapping("/{id}")
  TransactionView get(
      AuthenticatedClient client,
      @PathVariable UUID id,
      @RequestHeader(name = "Prefer", required = false) String prefer)
      throws InterruptedException {
    Duration wait = preferredWait(prefer);
    var tx = wait.isZero() ? queries.find(client, id) : queries.awaitChange(client, id, wait);
    return tx.map(TransactionView::of).orElseThrow(() -> notFound(id.toString()));
  }

  @GetMapping(params = "idempotencyKey")
  TransactionView getByKey(AuthenticatedClient client, @RequestParam String idempotencyKey) {
    return queries
        .findByKey(client, IdempotencyKeyHeader.parse(idempotencyKey))
        .map(TransactionView::of)
        .orElseThrow(() -> notFound("for Idempotency-Key '" + idempotencyKey + "'"));
  }

  private static Duration preferredWait(String prefer) {
    if (prefer == null) {
      return Duration.ZERO;
    }
    Matcher wait = PREFER_WAIT.matcher(prefer);
    return wait.find() ? Duration.ofSeconds(Long.parseLong(wait.group(1))) : Duration.ZERO;
  }

  private static ApiException notFound(String what) {
    return ApiException.notFound("transaction-not-found", "No transaction " + what + ".");
  }
}
