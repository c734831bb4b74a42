package dev.onceflow.bank.payment.web;

import dev.onceflow.bank.payment.Payment;
import dev.onceflow.bank.payment.PaymentLedger;
import dev.onceflow.bank.payment.PaymentLedger.Outcome;
import dev.onceflow.bank.payment.PaymentRequest;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/payments")
class PaymentController {

  static final URI KEY_MISSING = URI.create("https://onceflow.dev/problems/bank/idempotency-key-missing");
  static final URI KEY_REUSED = URI.create("https://onceflow.dev/problems/bank/idempotency-key-reused");
  static final URI NOT_FOUND = URI.create("https://onceflow.dev/problems/bank/payment-not-found");

  private final PaymentLedger ledger;

  PaymentController(PaymentLedger ledger) {
    this.ledger = ledger;
  }

  @PostMapping
  ResponseEntity<?> pay(
      @RequestHeader(name = "Idempotency-Key", required = false) String key,
      @RequestBody PaymentRequest request) {
    if (key == null || key.isBlank()) {
      return problem(HttpStatus.BAD_REQUEST, KEY_MISSING, "The Idempotency-Key header is required.");
    }
    Outcome outcome = ledger.pay(key, request);
    if (outcome instanceof Outcome.Executed executed) {
      return ResponseEntity.status(HttpStatus.CREATED).body(executed.payment());
    }
    if (outcome instanceof Outcome.Replayed replayed) {
      return ResponseEntity.status(HttpStatus.CREATED)
          .header("Idempotent-Replay", "true")
          .body(replayed.payment());
    }
    return problem(
        HttpStatus.UNPROCESSABLE_CONTENT,
        KEY_REUSED,
        "Idempotency-Key " + key + " was already used for a different payment.");
  }

  @GetMapping(params = "idempotencyKey")
  ResponseEntity<?> find(@RequestParam String idempotencyKey) {
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

  @GetMapping
  List<Payment> all() {
    return ledger.all();
  }

  private static ResponseEntity<ProblemDetail> problem(HttpStatus status, URI type, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(type);
    return ResponseEntity.status(status).body(problem);
  }
}
