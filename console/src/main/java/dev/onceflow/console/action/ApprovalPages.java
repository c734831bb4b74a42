package dev.onceflow.console.action;

import dev.onceflow.console.Operations;
import dev.onceflow.console.list.PaymentLists;
import dev.onceflow.ops.OperatorActions;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Four eyes on bulk actions: an operator asks (the request says exactly what will be done, fixed
 * when asked), a second operator approves or rejects it, and only the approval runs it, audited
 * with both names. The requester may withdraw it, never approve it.
 */
@Controller
class ApprovalPages {

  private static final Logger log = LoggerFactory.getLogger(ApprovalPages.class);

  /** Requests listed per section of the approvals page. */
  static final int LISTED = 50;

  private final Approvals approvals;
  private final Operations operations;
  private final PaymentLists lists;
  private final JsonMapper json = JsonMapper.builder().build();
  private final Clock clock;

  ApprovalPages(Approvals approvals, Operations operations, PaymentLists lists, Clock clock) {
    this.approvals = approvals;
    this.operations = operations;
    this.lists = lists;
    this.clock = clock;
  }

  @GetMapping("/approvals")
  String list(Model model) {
    model.addAttribute("open", approvals.open(LISTED));
    model.addAttribute("decided", approvals.decided(LISTED));
    return "console/approvals";
  }

  /** Every ops action, from the console or the ops commands, newest first. */
  @GetMapping("/audit")
  String audit(Model model) {
    try (OperatorActions actions = operations.open()) {
      model.addAttribute("entries", actions.recentAudit(LISTED * 2));
    }
    return "console/audit";
  }

  @GetMapping("/approvals/{id}")
  String show(@PathVariable UUID id, Model model) {
    model.addAttribute("approval", find(id));
    return "console/approval";
  }

  /**
   * Asks for the dead letters from {@code fromOffset} to be replayed: the request covers those
   * there now (the topic's end offsets, recorded with it), not any parked after it.
   */
  @PostMapping("/approvals/replay-dead-letters")
  String requestDeadLetterReplay(
      @RequestParam long fromOffset, Authentication operator, RedirectAttributes redirect)
      throws Exception {
    if (fromOffset < 0) {
      throw new IllegalArgumentException("fromOffset is an offset, 0 or more: " + fromOffset);
    }
    OperatorActions.DeadLetters parked;
    try (OperatorActions actions = operations.open()) {
      parked = actions.deadLetters(fromOffset, Integer.MAX_VALUE);
    }
    Map<Integer, Long> ends = parked.ends();
    int records = parked.letters().size();
    if (records == 0) {
      return refused(redirect, "/dead-letters", "No dead letters from offset " + fromOffset + ".");
    }
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("fromOffset", fromOffset);
    parameters.put("until", ends);
    UUID id =
        approvals.request(
            Approvals.Action.REPLAY_DEAD_LETTERS,
            json.writeValueAsString(parameters),
            "replay the "
                + records
                + " dead letters from offset "
                + fromOffset
                + " up to (not including) "
                + ends
                + " onto the request topic",
            operator.getName(),
            clock.instant());
    return requested(redirect, id);
  }

  /** Asks for every PENDING payment created before {@code createdBefore} to be re-driven. */
  @PostMapping("/approvals/redrive-pending")
  String requestRedrive(
      @RequestParam String createdBefore, Authentication operator, RedirectAttributes redirect) {
    Instant before;
    try {
      before = Instant.parse(createdBefore.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "createdBefore must be an instant such as 2026-12-03T15:00:00Z: " + createdBefore);
    }
    if (before.isAfter(clock.instant())) {
      throw new IllegalArgumentException(
          "createdBefore is in the future: re-drive only payments that had time to move");
    }
    long pending = lists.pendingCreatedBefore(before);
    if (pending == 0) {
      return refused(
          redirect, "/approvals", "No PENDING payment was created before " + before + ".");
    }
    UUID id =
        approvals.request(
            Approvals.Action.REDRIVE_PENDING,
            json.writeValueAsString(Map.of("createdBefore", before.toString())),
            "re-drive the PENDING payments created before "
                + before
                + " ("
                + pending
                + " when asked)",
            operator.getName(),
            clock.instant());
    return requested(redirect, id);
  }

  /**
   * Approves and runs the request. Only one approval wins the conditional UPDATE; whoever loses, or
   * asked for it, is told why and nothing runs.
   */
  @PostMapping("/approvals/{id}/approve")
  String approve(@PathVariable UUID id, Authentication operator, RedirectAttributes redirect) {
    Approvals.Approval approval = find(id);
    String name = operator.getName();
    if (!approvals.approve(id, name, clock.instant())) {
      return refused(redirect, "/approvals/" + id, whyNot(find(id), name, "approve"));
    }
    String outcome;
    boolean done;
    try {
      outcome = run(approval, name);
      done = true;
    } catch (Exception e) {
      log.warn("approved request {} ({}) failed", id, approval.action(), e);
      outcome = "failed: " + e.getMessage();
      done = false;
    }
    approvals.finish(id, done, outcome);
    redirect.addFlashAttribute("notice", (done ? "Approved and done: " : "Approved; ") + outcome);
    redirect.addFlashAttribute("noticeKind", done ? "done" : "refused");
    return "redirect:/approvals/" + id;
  }

  @PostMapping("/approvals/{id}/reject")
  String reject(
      @PathVariable UUID id,
      @RequestParam(defaultValue = "") String reason,
      Authentication operator,
      RedirectAttributes redirect) {
    find(id);
    String why = reason.isBlank() ? "no reason given" : reason.trim();
    if (!approvals.reject(id, operator.getName(), why, clock.instant())) {
      return refused(redirect, "/approvals/" + id, whyNot(find(id), operator.getName(), "reject"));
    }
    redirect.addFlashAttribute("notice", "Rejected: nothing was done.");
    redirect.addFlashAttribute("noticeKind", "done");
    return "redirect:/approvals/" + id;
  }

  @PostMapping("/approvals/{id}/withdraw")
  String withdraw(@PathVariable UUID id, Authentication operator, RedirectAttributes redirect) {
    find(id);
    if (!approvals.withdraw(id, operator.getName(), clock.instant())) {
      return refused(
          redirect, "/approvals/" + id, whyNot(find(id), operator.getName(), "withdraw"));
    }
    redirect.addFlashAttribute("notice", "Withdrawn: nothing was done.");
    redirect.addFlashAttribute("noticeKind", "done");
    return "redirect:/approvals/" + id;
  }

  /** Runs an approved request with the ops commands, audited by the approver for both of them. */
  private String run(Approvals.Approval approval, String approver) throws Exception {
    JsonNode parameters = json.readTree(approval.parameters());
    String who =
        "requested by "
            + approval.requestedBy()
            + ", approved by "
            + approver
            + " (approval "
            + approval.id()
            + ")";
    try (OperatorActions actions = operations.open()) {
      switch (Approvals.Action.of(approval.action())) {
        case REPLAY_DEAD_LETTERS -> {
          long from = parameters.get("fromOffset").asLong();
          Map<Integer, Long> until = new LinkedHashMap<>();
          parameters
              .get("until")
              .properties()
              .forEach(e -> until.put(Integer.valueOf(e.getKey()), e.getValue().asLong()));
          OperatorActions.Replay replay =
              actions.replayDeadLetters(
                  from,
                  until,
                  Operations.audit(
                      approver,
                      "replay-dead-letters",
                      "--from-offset=" + from + " until " + until + "; " + who));
          return "republished "
              + replay.records()
              + " records ("
              + replay.transactions()
              + " transactions), replay "
              + replay.id();
        }
        case REDRIVE_PENDING -> {
          Instant before = Instant.parse(parameters.get("createdBefore").asString());
          int count =
              actions.redrivePending(
                  before,
                  operations.redriveAfter(),
                  Operations.audit(
                      approver, "redrive-pending", "created before " + before + "; " + who));
          return "re-enqueued " + count + " PENDING payments";
        }
        default -> throw new IllegalStateException("no runner for " + approval.action());
      }
    }
  }

  private static String whyNot(Approvals.Approval now, String operator, String verb) {
    if (!now.open()) {
      return "Cannot " + verb + ": the request is already " + now.state() + ".";
    }
    if (verb.equals("withdraw")) {
      return "Only " + now.requestedBy() + ", who asked for it, may withdraw it.";
    }
    return now.requestedBy(operator)
        ? "You asked for it: another operator must " + verb + " it (four eyes)."
        : "Cannot " + verb + " it now.";
  }

  private Approvals.Approval find(UUID id) {
    return approvals
        .find(id)
        .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no such request"));
  }

  private static String requested(RedirectAttributes redirect, UUID id) {
    redirect.addFlashAttribute(
        "notice", "Requested: it waits for another operator's approval. Nothing was done yet.");
    redirect.addFlashAttribute("noticeKind", "done");
    return "redirect:/approvals/" + id;
  }

  private static String refused(RedirectAttributes redirect, String page, String why) {
    redirect.addFlashAttribute("notice", why);
    redirect.addFlashAttribute("noticeKind", "refused");
    return "redirect:" + page;
  }
}
