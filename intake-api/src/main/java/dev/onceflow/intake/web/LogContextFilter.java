package dev.onceflow.intake.web;

import dev.onceflow.intake.transaction.TransactionLogContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Ends the logging context of a request's transaction with the request: the servlet container
 * reuses its threads, and the next request must not log under this one's transaction.
 */
@Component
class LogContextFilter extends OncePerRequestFilter {

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } finally {
      TransactionLogContext.clear();
    }
  }
}
