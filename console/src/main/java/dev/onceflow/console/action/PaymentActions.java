package dev.onceflow.console.action;

import dev.onceflow.console.Operations;
import dev.onceflow.console.payment.PaymentReads;
import dev.onceflow.ops.OperatorActions;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The actions on one payment. Each GET is its confirmation page, saying what will happen; only its
 * POST (with the CSRF token) acts. The ops commands decide whether the payment may be acted on,
 * under its row lock, so a page that has gone stale since it was shown gets a refusal, not a wrong
 * change.
 */
@Controller
class PaymentActions {

  /** The longest reason or bank reference the audit keeps whole. */
  static final int MAX_REASON = 500;

  static final int MAX_BANK_REFERENCE = 100;

  private final Operations operations;
  private final PaymentReads reads;

  PaymentActions(Operations operations, PaymentReads reads) {
    this.operations = operations;
    this.reads = reads;
  }

  @GetMapping("/payments/{id}/actions/retry")
  String confirmRetry(@PathVariable UUID id, Model model) {
    return confirm(
        id,
        model,
        "Retry payment",
        "Reopens the payment as PENDING, reserves its amount on its account again and sends it to"
            + " the workers, with the bank key it always had. Only a payment that FAILED with"
            + " RETRIES_EXHAUSTED (the bank holds no payment under its key) may be retried.",
        "retry",
        "Retry");
  }

  @PostMapping("/payments/{id}/actions/retry")
  String retry(@PathVariable UUID id, Authentication operator, RedirectAttributes redirect) {
    return act(
        id,
        redirect,
        "Retried: the payment is PENDING again",
        actions ->
            actions.retryFailed(
                id,
                operations.redriveAfter(),
                Operations.audit(operator, "retry-failed", "--transaction=" + id)));
  }

  @GetMapping("/payments/{id}/actions/redrive")
  String confirmRedrive(@PathVariable UUID id, Model model) {
    return confirm(
        id,
        model,
        "Re-drive payment",
        "Sends the PENDING payment's request to the workers again, for when its event seems lost."
            + " A worker that already has it claims it once: a second event pays nobody twice.",
        "redrive",
        "Re-drive");
  }

  @PostMapping("/payments/{id}/actions/redrive")
  String redrive(@PathVariable UUID id, Authentication operator, RedirectAttributes redirect) {
    return act(
        id,
        redirect,
        "Re-driven: its request is on its way to the workers",
        actions ->
            actions.redrive(
                id,
                operations.redriveAfter(),
                Operations.audit(operator, "redrive", "--transaction=" + id)));
  }

  @GetMapping("/payments/{id}/actions/resolve")
  String resolveForm(@PathVariable UUID id, Model model) {
    model.addAttribute("payment", payment(id));
    return "console/resolve";
  }

  /**
   * The operator's decision on an UNKNOWN payment, once they checked with the bank: settled (with
   * the bank's reference) or not (funds released). A form that misses a field is shown again with
   * what to fix, and nothing changes.
   */
  @PostMapping("/payments/{id}/actions/resolve")
  String resolve(
      @PathVariable UUID id,
      @RequestParam(defaultValue = "") String outcome,
      @RequestParam(defaultValue = "") String bankReference,
      @RequestParam(defaultValue = "") String reason,
      @RequestParam(defaultValue = "false") boolean checked,
      Authentication operator,
      Model model,
      HttpServletResponse response,
      RedirectAttributes redirect) {
    String decided = outcome.trim().toUpperCase(Locale.ROOT);
    String error = resolveError(decided, bankReference.trim(), reason.trim(), checked);
    if (error != null) {
      model.addAttribute("payment", payment(id));
      model.addAttribute("error", error);
      model.addAttribute("outcome", decided);
      model.addAttribute("bankReference", bankReference);
      model.addAttribute("reason", reason);
      response.setStatus(HttpStatus.BAD_REQUEST.value());
      return "console/resolve";
    }
    boolean completed = decided.equals("COMPLETED");
    return act(
        id,
        redirect,
        "Resolved: " + decided,
        actions ->
            actions.resolveUnknown(
                id,
                completed,
                completed ? bankReference.trim() : null,
                reason.trim(),
                Operations.audit(
                    operator,
                    "resolve-unknown",
                    "--transaction="
                        + id
                        + " --outcome="
                        + decided.toLowerCase(Locale.ROOT)
                        + (completed ? " --bank-reference=" + bankReference.trim() : "")
                        + " --reason="
                        + reason.trim())));
  }

  /** What is wrong with a decision, in one sentence; null if nothing is. */
  static String resolveError(String outcome, String bankReference, String reason, boolean checked) {
    if (!outcome.equals("COMPLETED") && !outcome.equals("FAILED")) {
      return "Choose what the bank said: it settled the payment (COMPLETED) or holds none (FAILED).";
    }
    if (outcome.equals("COMPLETED")
        && (bankReference.isEmpty() || bankReference.length() > MAX_BANK_REFERENCE)) {
      return "A settled payment needs the bank's reference for it (1 to "
          + MAX_BANK_REFERENCE
          + " characters).";
    }
    if (reason.isEmpty() || reason.length() > MAX_REASON) {
      return "Say why, for the audit (1 to " + MAX_REASON + " characters).";
    }
    if (!checked) {
      return "Confirm that you checked the payment with the bank.";
    }
    return null;
  }

  private String confirm(
      UUID id, Model model, String title, String effect, String action, String button) {
    model.addAttribute("payment", payment(id));
    model.addAttribute("title", title);
    model.addAttribute("effect", effect);
    model.addAttribute("action", action);
    model.addAttribute("button", button);
    return "console/confirm";
  }

  /** Runs the action; its outcome, done or refused with why, is shown on the payment's page. */
  private String act(
      UUID id,
      RedirectAttributes redirect,
      String done,
      Function<OperatorActions, OperatorActions.Decision> action) {
    OperatorActions.Decision decision;
    try (OperatorActions actions = operations.open()) {
      decision = action.apply(actions);
    }
    redirect.addFlashAttribute("notice", decision.done() ? done : "Refused: " + decision.refusal());
    redirect.addFlashAttribute("noticeKind", decision.done() ? "done" : "refused");
    return "redirect:/payments/" + id;
  }

  private PaymentReads.Payment payment(UUID id) {
    return reads
        .payment(id)
        .orElseThrow(
            () -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no such transaction"));
  }
}
