package dev.onceflow.intake.transaction.web;

import dev.onceflow.intake.IntakeProperties;
import dev.onceflow.intake.Timestamps;
import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.intake.paging.PageView;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.intake.transaction.DraftConfirmation;
import dev.onceflow.intake.transaction.DraftConfirmation.Confirmation;
import dev.onceflow.intake.transaction.IdempotencyKeyHeader;
import dev.onceflow.intake.transaction.PaymentIntake;
import dev.onceflow.intake.transaction.PaymentIntake.Submission;
import dev.onceflow.intake.transaction.SubmitPayment;
import dev.onceflow.intake.transaction.TransactionCancellation;
import dev.onceflow.intake.transaction.TransactionFilter;
import dev.onceflow.intake.transaction.TransactionQueries;
import dev.onceflow.intake.transaction.TransactionWatcher;
import dev.onceflow.model.PaymentTransaction;
import dev.onceflow.model.TransactionState;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

@RestController
@RequestMapping("/transactions")
class TransactionController {

  private static final Pattern PREFER_WAIT =
      Pattern.compile("(?:^|[,;\\s])wait\\s*=\\s*(\\d{1,6})\\b");

  /** Beyond the wait itself: a poller tick, the final read, and a loaded machine. */
  private static final Duration ASYNC_TIMEOUT_MARGIN = Duration.ofSeconds(15);

  private final PaymentIntake intake;
  private final DraftConfirmation confirmation;
  private final TransactionCancellation cancellation;
  private final TransactionQueries queries;
  private final TransactionWatcher watcher;
  private final WaitingPolls polls;
  private final IntakeProperties properties;

  TransactionController(
      PaymentIntake intake,
      DraftConfirmation confirmation,
      TransactionCancellation cancellation,
      TransactionQueries queries,
      TransactionWatcher watcher,
      WaitingPolls polls,
      IntakeProperties properties) {
    this.intake = intake;
    this.confirmation = confirmation;
    this.cancellation = cancellation;
    this.queries = queries;
    this.watcher = watcher;
    this.polls = polls;
    this.properties = properties;
  }

  @PostMapping
  ResponseEntity<TransactionView> submit(
      AuthenticatedClient client,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
      @RequestBody(required = false) SubmitRequest request) {
    String key = IdempotencyKeyHeader.parse(idempotencyKey);
    Submission submission = intake.submit(client, key, validate(request));
    HttpStatus status =
        submission.refused() ? HttpStatus.UNPROCESSABLE_CONTENT : HttpStatus.ACCEPTED;
    return answer(status, submission);
  }

  /**
   * Step one of the two-step flow: a DRAFT, nothing reserved. The Idempotency-Key is optional here:
   * without one, the server-created id returned is the anchor, and confirming it is idempotent.
   */
  @PostMapping("/drafts")
  ResponseEntity<TransactionView> createDraft(
      AuthenticatedClient client,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
      @RequestBody(required = false) SubmitRequest request) {
    Optional<String> key = Optional.ofNullable(idempotencyKey).map(IdempotencyKeyHeader::parse);
    return answer(HttpStatus.CREATED, intake.createDraft(client, key, validate(request)));
  }

  /**
   * Step two: DRAFT -> PENDING (funds reserved, event written), at most once whatever the retries.
   */
  @PutMapping("/{id}/confirm")
  ResponseEntity<TransactionView> confirm(AuthenticatedClient client, @PathVariable UUID id) {
    Confirmation confirmed = confirmation.confirm(client, id);
    return ResponseEntity.status(
            confirmed.refused() ? HttpStatus.UNPROCESSABLE_CONTENT : HttpStatus.OK)
        .body(TransactionView.of(confirmed.transaction()));
  }

  /**
   * A draft, or a payment no worker has taken yet, becomes CANCELLED (its funds released); again:
   * the same answer. 409 once it may have reached the bank, or is final.
   */
  @PostMapping("/{id}/cancel")
  TransactionView cancel(AuthenticatedClient client, @PathVariable UUID id) {
    return TransactionView.of(cancellation.cancel(client, id));
  }

  /**
   * With {@code Prefer: wait=N}, answers once the state changes or after N seconds (capped), from
   * the shared {@link TransactionWatcher}: the request thread is released while it waits.
   */
  @GetMapping("/{id}")
  DeferredResult<ResponseEntity<TransactionView>> get(
      AuthenticatedClient client,
      @PathVariable UUID id,
      @RequestHeader(name = "Prefer", required = false) String prefer) {
    PaymentTransaction current =
        queries.find(client, id).orElseThrow(() -> notFound(id.toString()));
    Optional<Duration> wait = preferredWait(prefer);
    DeferredResult<ResponseEntity<TransactionView>> result =
        new DeferredResult<>(wait.orElse(Duration.ZERO).plus(ASYNC_TIMEOUT_MARGIN).toMillis());
    if (wait.isEmpty() || current.getState().isFinal()) {
      result.setResult(view(current, wait));
      return result;
    }
    if (!polls.tryTake(client.id())) {
      result.setResult(view(current, Optional.empty()));
      return result;
    }
    CompletableFuture<PaymentTransaction> change;
    try {
      change = watcher.awaitChange(id, current.getState(), wait.get());
    } catch (RuntimeException e) {
      polls.release(client.id());
      throw e;
    }
    change.whenComplete(
        (changed, failure) -> {
          if (failure == null && changed != null) {
            result.setResult(view(changed, wait));
          } else if (failure == null) {
            result.setErrorResult(notFound(id.toString()));
          } else {
            result.setErrorResult(
                failure instanceof CompletionException ? failure.getCause() : failure);
          }
        });
    // Runs once, however the wait ends (answered, timed out, client gone).
    result.onCompletion(
        () -> {
          polls.release(client.id());
          change.cancel(false);
        });
    result.onTimeout(
        () ->
            result.setErrorResult(
                Refusal.unavailable("The wait could not be answered in time; poll again.")));
    return result;
  }

  /**
   * The client's transactions, newest first, a page at a time; filters combine (all must match).
   * {@code state} may repeat or list several states separated by commas.
   */
  @GetMapping
  PageView<TransactionView> list(
      AuthenticatedClient client,
      @RequestParam(required = false) List<String> state,
      @RequestParam(required = false) UUID accountId,
      @RequestParam(required = false) String createdFrom,
      @RequestParam(required = false) String createdTo,
      @RequestParam(required = false) String idempotencyKey,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String before) {
    Instant from = instant("createdFrom", createdFrom);
    Instant to = instant("createdTo", createdTo);
    if (from != null && to != null && !from.isBefore(to)) {
      throw Refusal.badRequest(
          "invalid-parameter", "Invalid parameter", "'createdFrom' must be before 'createdTo'.");
    }
    TransactionFilter filter =
        new TransactionFilter(
            states(state),
            accountId,
            from,
            to,
            idempotencyKey == null ? null : IdempotencyKeyHeader.parse(idempotencyKey));
    return PageView.of(
        queries.list(client, filter, PageRequest.of(limit, after, before)), TransactionView::of);
  }

  private SubmitPayment validate(SubmitRequest request) {
    if (request == null) {
      throw Refusal.badRequest(
          "malformed-body", "Malformed request body", "A JSON payment request body is required.");
    }
    SubmitRequest.Creditor creditor =
        request.creditor() == null ? new SubmitRequest.Creditor(null, null) : request.creditor();
    return SubmitPayment.validate(
        request.accountId(),
        request.amount(),
        properties.maxAmount(),
        request.currency(),
        creditor.name(),
        creditor.iban(),
        request.reference());
  }

  private static ResponseEntity<TransactionView> answer(HttpStatus status, Submission submission) {
    PaymentTransaction tx = submission.transaction();
    ResponseEntity.BodyBuilder response =
        ResponseEntity.status(status).location(URI.create("/transactions/" + tx.getId()));
    if (submission.replayed()) {
      response.header("Idempotent-Replay", "true");
    }
    return response.body(TransactionView.of(tx));
  }

  private static ResponseEntity<TransactionView> view(
      PaymentTransaction tx, Optional<Duration> wait) {
    ResponseEntity.BodyBuilder response = ResponseEntity.ok();
    wait.ifPresent(
        applied ->
            response
                .header("Preference-Applied", "wait=" + applied.toSeconds())
                .header(HttpHeaders.VARY, "Prefer"));
    return response.body(TransactionView.of(tx));
  }

  /** The wait the client asked for, capped by {@code onceflow.intake.max-wait}; none for 0. */
  private Optional<Duration> preferredWait(String prefer) {
    if (prefer == null) {
      return Optional.empty();
    }
    Matcher wait = PREFER_WAIT.matcher(prefer);
    if (!wait.find() || Long.parseLong(wait.group(1)) == 0) {
      return Optional.empty();
    }
    Duration asked = Duration.ofSeconds(Long.parseLong(wait.group(1)));
    return Optional.of(asked.compareTo(properties.maxWait()) > 0 ? properties.maxWait() : asked);
  }

  private static Set<TransactionState> states(List<String> values) {
    Set<TransactionState> states = EnumSet.noneOf(TransactionState.class);
    if (values == null) {
      return states;
    }
    for (String value : values) {
      for (String name : value.split(",", -1)) {
        try {
          states.add(TransactionState.valueOf(name.trim()));
        } catch (IllegalArgumentException e) {
          throw Refusal.badRequest(
              "invalid-parameter",
              "Invalid parameter",
              "'state' must be one or more of " + Arrays.toString(TransactionState.values()) + ".");
        }
      }
    }
    return states;
  }

  /** An RFC 3339 date-time with an offset (2026-12-01T10:00:00Z), or a 400 naming the parameter. */
  private static Instant instant(String parameter, String value) {
    if (value == null) {
      return null;
    }
    try {
      Instant instant = OffsetDateTime.parse(value).toInstant();
      if (Timestamps.inRange(instant)) {
        return instant;
      }
    } catch (DateTimeParseException e) {
      // refused below
    }
    throw Refusal.badRequest(
        "invalid-parameter",
        "Invalid parameter",
        "'"
            + parameter
            + "' must be an RFC 3339 date-time with an offset in the years 1 to 9999, e.g."
            + " 2026-12-01T10:00:00Z.");
  }

  private static Refusal notFound(String what) {
    return Refusal.notFound("transaction-not-found", "No transaction " + what + ".");
  }
}
