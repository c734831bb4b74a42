package dev.onceflow.bank.payment.web;

import dev.onceflow.bank.fault.FaultInjector;
import dev.onceflow.bank.fault.FaultPlan;
import dev.onceflow.bank.payment.Payment;
import dev.onceflow.bank.payment.PaymentLedger;
import dev.onceflow.bank.payment.PaymentLedger.Outcome;
import dev.onceflow.bank.payment.PaymentRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

@RestController
@RequestMapping("/payments")
class PaymentController {

  static final URI KEY_MISSING =
      URI.create("https://onceflow.dev/problems/bank/idempotency-key-missing");
  static final URI KEY_REUSED =
      URI.create("https://onceflow.dev/problems/bank/idempotency-key-reused");
  static final URI NOT_FOUND = URI.create("https://onceflow.dev/problems/bank/payment-not-found");
  static final URI DECLINED = URI.create("https://onceflow.dev/problems/bank/payment-declined");
  static final URI INTERNAL_ERROR = URI.create("https://onceflow.dev/problems/bank/internal-error");
  static final URI THROTTLED = URI.create("https://onceflow.dev/problems/bank/too-many-requests");
  static final URI TIMED_OUT = URI.create("https://onceflow.dev/problems/bank/timed-out");

  private static final Logger log = LoggerFactory.getLogger(PaymentController.class);

  private final PaymentLedger ledger;
  private final FaultInjector faults;
  private final JsonMapper json;

  PaymentController(PaymentLedger ledger, FaultInjector faults, JsonMapper json) {
    this.ledger = ledger;
    this.faults = faults;
    this.json = json;
  }

  @PostMapping
  ResponseEntity<?> pay(
      @RequestHeader(name = "Idempotency-Key", required = false) String key,
      // Kept with the payment: the trace id a test (or an operator) finds the payment by.
      @RequestHeader(name = "traceparent", required = false) String traceparent,
      @RequestBody PaymentRequest request,
      HttpServletRequest servletRequest,
      HttpServletResponse servletResponse)
      throws IOException {
    if (key == null || key.isBlank()) {
      return problem(
          HttpStatus.BAD_REQUEST, KEY_MISSING, "The Idempotency-Key header is required.");
    }
    FaultPlan plan = faults.planPayment();
    pause(plan.latency());
    switch (plan.fault()) {
      case ERROR -> {
        return problem(
            HttpStatus.INTERNAL_SERVER_ERROR,
            INTERNAL_ERROR,
            "Injected fault: nothing was executed.");
      }
      case THROTTLE -> {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
            .header(HttpHeaders.RETRY_AFTER, String.valueOf(plan.retryAfter().toSeconds()))
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .body(
                problemDetail(
                    HttpStatus.TOO_MANY_REQUESTS, THROTTLED, "Injected fault: slow down."));
      }
      case EXECUTE_THEN_HOLD -> {
        Outcome outcome = execute(key, request, plan, traceparent);
        pause(plan.hold());
        return answer(key, outcome);
      }
      case HOLD_THEN_EXECUTE -> {
        pause(plan.hold());
        return answer(key, execute(key, request, plan, traceparent));
      }
      case HOLD_ONLY -> {
        pause(plan.hold());
        // The client gave up long ago (if its timeout is below the hold), so nobody reads this.
        return problem(
            HttpStatus.GATEWAY_TIMEOUT, TIMED_OUT, "Injected fault: held, nothing was executed.");
      }
      case COMMIT_THEN_ERROR -> {
        execute(key, request, plan, traceparent);
        return problem(
            HttpStatus.INTERNAL_SERVER_ERROR,
            INTERNAL_ERROR,
            "Injected fault after the payment was executed.");
      }
      case COMMIT_THEN_DROP -> {
        Outcome outcome = execute(key, request, plan, traceparent);
        dropConnection(servletResponse, outcome);
        return null;
      }
      case TRICKLE -> {
        trickle(
            servletRequest,
            servletResponse,
            answer(key, execute(key, request, plan, traceparent)),
            plan.trickleByte());
        return null;
      }
      case NONE -> {
        return answer(key, execute(key, request, plan, traceparent));
      }
    }
    throw new IllegalStateException("unhandled fault " + plan.fault());
  }

  /** The ledger's part of a call: a new key is executed as the plan says, a known one replayed. */
  private Outcome execute(String key, PaymentRequest request, FaultPlan plan, String traceparent) {
    return ledger.pay(key, request, plan.decline(), plan.pending(), traceparent);
  }

  // Faults apply to POST /payments only: reconciliation asks this lookup whether a payment exists
  // before giving up on it, so an answer is always the truth. It may fail outright
  // (lookupErrorRate),
  // as an unreachable bank does, but never says "not found" for a payment it holds.
  @GetMapping(params = "idempotencyKey")
  ResponseEntity<?> find(@RequestParam String idempotencyKey) {
    if (faults.failLookup()) {
      return problem(
          HttpStatus.INTERNAL_SERVER_ERROR, INTERNAL_ERROR, "Injected fault: lookup failed.");
    }
    return ledger
        .find(idempotencyKey)
        .<ResponseEntity<?>>map(ResponseEntity::ok)
        .orElseGet(
            () ->
                problem(
                    HttpStatus.NOT_FOUND,
                    NOT_FOUND,
                    "No payment exists for Idempotency-Key " + idempotencyKey + "."));
  }

  /** The ledger tests read: never faulted. */
  @GetMapping
  List<Payment> all() {
    return ledger.all();
  }

  private ResponseEntity<?> answer(String key, Outcome outcome) {
    if (outcome instanceof Outcome.KeyReused) {
      return problem(
          HttpStatus.UNPROCESSABLE_CONTENT,
          KEY_REUSED,
          "Idempotency-Key " + key + " was already used for a different payment.");
    }
    boolean replay = outcome instanceof Outcome.Replayed;
    Payment payment =
        replay ? ((Outcome.Replayed) outcome).payment() : ((Outcome.Executed) outcome).payment();
    ResponseEntity.BodyBuilder response =
        ResponseEntity.status(
            switch (payment.status()) {
              case Payment.DECLINED -> payment.declineStatus();
              // Accepted, not settled yet (ISO 20022's ACSP): the same key is answered 202 until it
              // is.
              case Payment.PENDING -> HttpStatus.ACCEPTED.value();
              default -> HttpStatus.CREATED.value();
            });
    if (replay) {
      response.header("Idempotent-Replay", "true");
    }
    if (Payment.DECLINED.equals(payment.status())) {
      return response.contentType(MediaType.APPLICATION_PROBLEM_JSON).body(declineProblem(payment));
    }
    return response.body(payment);
  }

  private static ProblemDetail declineProblem(Payment payment) {
    ProblemDetail problem =
        problemDetail(
            HttpStatus.valueOf(payment.declineStatus()), DECLINED, payment.declineReason());
    problem.setTitle("Payment declined");
    problem.setProperty("paymentId", payment.paymentId());
    problem.setProperty("idempotencyKey", payment.idempotencyKey());
    problem.setProperty("status", payment.status());
    return problem;
  }

  /**
   * Sends the status line, the headers and half of the body, then closes the connection: the client
   * sees the connection drop mid-answer, after the payment was stored.
   */
  private void dropConnection(HttpServletResponse response, Outcome outcome) throws IOException {
    Payment payment;
    if (outcome instanceof Outcome.Executed executed) {
      payment = executed.payment();
    } else if (outcome instanceof Outcome.Replayed replayed) {
      payment = replayed.payment();
    } else {
      payment = ((Outcome.KeyReused) outcome).stored();
    }
    byte[] body = json.writeValueAsBytes(payment);
    response.setStatus(HttpStatus.CREATED.value());
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response.setHeader(HttpHeaders.CONNECTION, "close");
    // The promised length is never delivered: the client cannot mistake half a body for an answer.
    response.setContentLength(body.length);
    response.getOutputStream().write(body, 0, body.length / 2);
    response.flushBuffer();
  }

  /**
   * Sends {@code answer} the slowest way that never stalls: the status line and the headers (with
   * the full Content-Length) at once, then the body one byte at a time, each flushed after a wait
   * of {@code perByte}. A client that goes away meanwhile is left alone.
   */
  private void trickle(
      HttpServletRequest request,
      HttpServletResponse response,
      ResponseEntity<?> answer,
      Duration perByte) {
    if (answer.getBody() instanceof ProblemDetail problem && problem.getInstance() == null) {
      problem.setInstance(
          URI.create(request.getRequestURI())); // as Spring does for the answers it writes
    }
    byte[] body = json.writeValueAsBytes(answer.getBody());
    response.setStatus(answer.getStatusCode().value());
    answer
        .getHeaders()
        .forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
    if (answer.getHeaders().getContentType() == null) {
      response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    }
    response.setContentLength(body.length);
    try {
      response.flushBuffer();
      OutputStream out = response.getOutputStream();
      for (byte b : body) {
        pause(perByte);
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      // The client gave up (or its connection did): nobody is left to answer.
      log.debug("Trickled answer abandoned: {}", e.toString());
    }
  }

  /** The bank being slow on purpose: a real wait on the request thread, as a slow bank would. */
  private static void pause(Duration duration) {
    if (duration.isZero()) {
      return;
    }
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ResponseEntity<ProblemDetail> problem(HttpStatus status, URI type, String detail) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problemDetail(status, type, detail));
  }

  private static ProblemDetail problemDetail(HttpStatus status, URI type, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(type);
    return problem;
  }
}
