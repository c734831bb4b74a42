package dev.onceflow.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import tools.jackson.databind.JsonNode;

/** Assertions on RFC 9457 answers. */
final class Problems {

  private Problems() {}

  static void assertProblem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(
            contentType -> assertThat(contentType).startsWith("application/problem+json"));
    JsonNode body = IntakeHttp.json(response);
    assertThat(body.path("type").asString(""))
        .as(response.body())
        .isEqualTo("https://onceflow.dev/problems/" + type);
    assertThat(body.path("status").asInt()).isEqualTo(status);
    assertThat(body.path("detail").asString("")).as(response.body()).isNotBlank();
  }
}
