package dev.onceflow.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.testing.OpenApiContract;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.yaml.snakeyaml.Yaml;

/** The served OpenAPI document and the app's client API describe the same endpoints. */
class OpenApiDocumentIT {

  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options");

  private final TestIntake intake = TestIntake.shared();
  // Like every client endpoint, the document needs a client key.
  private final IntakeHttp client =
      intake.http(intake.admin().newClient("reads the API document").apiKey());

  @Test
  void documentsEveryClientEndpointAndNothingElse() {
    HttpResponse<String> served = client.get("/openapi.yaml");
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/yaml"));

    assertThat(documented(served.body())).isEqualTo(implemented()).isNotEmpty();
  }

  /** swagger-parser, references resolved, has nothing to say about the served document. */
  @Test
  void parsesWithoutAnyParserMessage() {
    HttpResponse<String> served = client.get("/openapi.yaml");
    assertThat(served.body()).isEqualTo(OpenApiContract.text());

    SwaggerParseResult parsed = OpenApiContract.parse(served.body());

    assertThat(parsed.getMessages()).isEmpty();
    assertThat(parsed.getOpenAPI().getOpenapi()).startsWith("3.1");
    assertThat(parsed.getOpenAPI().getPaths()).isNotEmpty();
  }

  /** "METHOD /path/{}" for every operation of the document. */
  @SuppressWarnings("unchecked")
  private static Set<String> documented(String yaml) {
    Map<String, Object> paths =
        (Map<String, Object>) new Yaml().<Map<String, Object>>load(yaml).get("paths");
    Set<String> operations = new TreeSet<>();
    paths.forEach(
        (path, item) ->
            ((Map<String, Object>) item)
                .keySet().stream()
                    .filter(METHODS::contains)
                    .forEach(
                        method -> operations.add(method.toUpperCase() + " " + normalise(path))));
    return operations;
  }

  /** The same for every handler of the app, leaving out the admin API and Spring's /error. */
  private Set<String> implemented() {
    Set<String> operations = new TreeSet<>();
    RequestMappingHandlerMapping mapping =
        intake.context.getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
    for (Map.Entry<RequestMappingInfo, HandlerMethod> handler :
        mapping.getHandlerMethods().entrySet()) {
      RequestMappingInfo info = handler.getKey();
      for (String path : info.getPatternValues()) {
        if (path.equals("/admin") || path.startsWith("/admin/") || path.equals("/error")) {
          continue;
        }
        Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
        assertThat(methods).as(path + " must name its HTTP method").isNotEmpty();
        methods.forEach(method -> operations.add(method.name() + " " + normalise(path)));
      }
    }
    return operations;
  }

  private static String normalise(String path) {
    return path.replaceAll("\\{[^}]+}", "{}");
  }
}
