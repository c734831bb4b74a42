package dev.onceflow.intake.web;

import java.io.IOException;
import java.io.PrintWriter;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's report for requests it refuses before any servlet runs (a NUL byte in a header, say): a
 * problem+json instead of Tomcat's HTML page, so that clients get one error format. Installed as
 * the host's error report valve by {@link WebConfiguration}.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int code = response.getStatus();
    if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    HttpStatus status = HttpStatus.resolve(code);
    String name = ProblemMapping.statusTypeName(code);
    String title = status == null ? "HTTP " + code : status.getReasonPhrase();
    String detail =
        code < 500
            ? "The server could not read this request (its request line or headers are not valid HTTP); nothing was stored."
            : "The request failed unexpectedly. If it carried an Idempotency-Key, retry it with the same key.";
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding("UTF-8");
      PrintWriter writer = response.getReporter();
      if (writer != null) {
        // Every value here is a constant or a status name: nothing needs JSON escaping.
        writer.write(
            "{\"type\":\"%s%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}"
                .formatted(ProblemMapping.BASE, name, title, code, detail));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The connection is gone or the response was committed meanwhile: nothing more to say.
    }
  }
}
