package dev.onceflow.console;

import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * A request the pages cannot take (a filter, an offset, a cursor not of their form) is answered 400
 * with what is wrong in one sentence, on the error page.
 */
@ControllerAdvice
class ConsoleErrors {

  @ExceptionHandler(IllegalArgumentException.class)
  String badRequest(IllegalArgumentException e, Model model, HttpServletResponse response) {
    response.setStatus(HttpStatus.BAD_REQUEST.value());
    model.addAttribute("status", HttpStatus.BAD_REQUEST.value());
    model.addAttribute("error", HttpStatus.BAD_REQUEST.getReasonPhrase());
    model.addAttribute("message", e.getMessage());
    return "error";
  }
}
