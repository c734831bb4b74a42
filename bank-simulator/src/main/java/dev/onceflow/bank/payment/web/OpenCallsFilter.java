package dev.onceflow.bank.payment.web;

import dev.onceflow.bank.payment.PaymentLedger;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts each {@code POST /payments} call with an Idempotency-Key as open from its arrival until
 * its answer is written or abandoned (latency, holds and trickles included), so that the ledger can
 * show how many calls with one key the bank had at the same time.
 */
@Component
class OpenCallsFilter extends OncePerRequestFilter {

  private final PaymentLedger ledger;

  OpenCallsFilter(PaymentLedger ledger) {
    this.ledger = ledger;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return !"POST".equals(request.getMethod()) || !"/payments".equals(path) || key(request) == null;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String key = key(request);
    ledger.callOpened(key);
    try {
      chain.doFilter(request, response);
    } finally {
      ledger.callClosed(key);
    }
  }

  private static String key(HttpServletRequest request) {
    String key = request.getHeader("Idempotency-Key");
    return key == null || key.isBlank() ? null : key;
  }
}
