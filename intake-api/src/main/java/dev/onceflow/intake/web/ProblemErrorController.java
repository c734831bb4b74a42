package dev.onceflow.intake.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The servlet container's error page, for what fails before Spring MVC sees the request (a request
 * the server cannot parse, say): a problem+json like every other answer, instead of Spring Boot's
 * default JSON. Requested directly, it is a 404.
 */
@RestController
class ProblemErrorController implements ErrorController {

  @RequestMapping("/error")
  ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    HttpStatus status = code instanceof Integer value ? HttpStatus.resolve(value) : null;
    if (status == null || !status.isError()) {
      status = HttpStatus.NOT_FOUND;
    }
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            status,
            status.is4xxClientError()
                ? "The request could not be understood or is not allowed here; nothing was stored."
                : "The request failed unexpectedly. If it carried an Idempotency-Key, retry it with the same key.");
    problem.setType(
        URI.create(ProblemMapping.BASE + ProblemMapping.statusTypeName(status.value())));
    problem.setTitle(status.getReasonPhrase());
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }
}
