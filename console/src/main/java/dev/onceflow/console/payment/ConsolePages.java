package dev.onceflow.console.payment;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;

/** The read-only pages of a payment: its page, and the search that leads to one. */
@Controller
class ConsolePages {

  private final PaymentReads reads;

  ConsolePages(PaymentReads reads) {
    this.reads = reads;
  }

  /** Any id that names no transaction is a 404, a malformed one too: either way, no such page. */
  @GetMapping("/payments/{id}")
  String payment(@PathVariable String id, Model model) {
    UUID transactionId =
        SearchQuery.parse(id).flatMap(SearchQuery::transactionId).orElseThrow(ConsolePages::absent);
    PaymentReads.Payment payment = reads.payment(transactionId).orElseThrow(ConsolePages::absent);
    model.addAttribute("payment", payment);
    model.addAttribute("timeline", reads.timeline(transactionId));
    return "console/payment";
  }

  /**
   * One match goes straight to its page; none or several are listed, so that an operator sees that
   * a key is shared (two clients may use the same Idempotency-Key).
   */
  @GetMapping("/search")
  String search(@RequestParam(name = "q", required = false) String q, Model model) {
    model.addAttribute("q", q == null ? "" : q);
    Optional<SearchQuery> query = SearchQuery.parse(q);
    if (query.isEmpty()) {
      model.addAttribute("matches", List.of());
      model.addAttribute("searched", false);
      return "console/search";
    }
    List<PaymentReads.Match> matches = reads.search(query.get());
    if (matches.size() == 1) {
      return "redirect:/payments/" + matches.get(0).id();
    }
    model.addAttribute("matches", matches);
    model.addAttribute("searched", true);
    model.addAttribute("limit", PaymentReads.SEARCH_LIMIT);
    return "console/search";
  }

  private static ResponseStatusException absent() {
    return new ResponseStatusException(HttpStatus.NOT_FOUND, "no such transaction");
  }
}
