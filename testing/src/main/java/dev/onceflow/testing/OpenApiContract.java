package dev.onceflow.testing;

import com.networknt.schema.Error;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.StringNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The intake's OpenAPI document as the tests hold the app to it: every response an intake IT
 * receives (through its IntakeHttp and RawHttp clients) must be one the document describes for its
 * request, with a documented status, media type, required headers and a body valid against the
 * schema. Schemas are checked by networknt's OpenAPI 3.1 dialect, with formats asserted, against
 * the document itself so that its {@code $ref}s resolve as written. System tests hold the requests
 * Onceflow sends to a client's webhook endpoint to the document's {@code webhooks} the same way.
 */
public final class OpenApiContract {

  public static final String RESOURCE = "dev/onceflow/intake/openapi.yaml";

  /** The identifier the schemas are loaded under; their {@code $ref}s are relative to it. */
  private static final String LOCATION = "https://onceflow.dev/intake/openapi.json";

  private static final String PROBLEM = "#/components/schemas/Problem";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static OpenApiContract document;

  private final OpenAPI model;
  private final List<DocumentedPath> paths;
  private final SchemaRegistry schemas;

  /** A path template of the document, and how to recognise a request path it describes. */
  private record DocumentedPath(String template, Pattern pattern, int parameters) {}

  /**
   * What a request the document does not describe may get. The ordinary client makes only
   * documented requests unless a test says otherwise; fuzzing sends undocumented ones on purpose,
   * and they must still get a documented problem.
   */
  public enum Undocumented {
    FAILS,
    GETS_A_PROBLEM
  }

  private OpenApiContract(String text) {
    SwaggerParseResult parsed = parse(text);
    if (!parsed.getMessages().isEmpty() || parsed.getOpenAPI() == null) {
      throw new AssertionError(RESOURCE + " does not parse: " + parsed.getMessages());
    }
    this.model = parsed.getOpenAPI();
    this.paths =
        model.getPaths().keySet().stream()
            .map(
                template ->
                    new DocumentedPath(
                        template,
                        Pattern.compile(
                            Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q")),
                        template.split("\\{", -1).length - 1))
            // A literal path (/transactions/drafts) before a template that also matches it.
            .sorted(Comparator.comparingInt(DocumentedPath::parameters))
            .toList();
    String json = new YAMLMapper().readTree(text).toString();
    this.schemas =
        SchemaRegistry.withDefaultDialect(
            Dialects.getOpenApi31(),
            registry ->
                registry
                    .schemaRegistryConfig(
                        SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build())
                    .schemas(Map.of(LOCATION, json)));
  }

  /**
   * The served document, read on first use; a document that does not parse fails each check with
   * the parser's messages rather than leaving the class unloadable.
   */
  private static synchronized OpenApiContract document() {
    if (document == null) {
      document = new OpenApiContract(text());
    }
    return document;
  }

  /** The document as the app serves it. */
  public static String text() {
    try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** swagger-parser's reading of {@code text}, with references resolved. */
  public static SwaggerParseResult parse(String text) {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    return new OpenAPIV3Parser().readContents(text, null, options);
  }

  /**
   * Fails unless the document describes this response to {@code method path} ({@code path} as sent,
   * query and all; {@code header} looks a response header up by name, ignoring case).
   */
  public static void check(
      String method,
      String path,
      int status,
      Function<String, Optional<String>> header,
      String body,
      Undocumented undocumented) {
    List<String> violations =
        document()
            .violations(method.toUpperCase(Locale.ROOT), path, status, header, body, undocumented);
    requireNone(
        violations,
        "The response to "
            + method
            + " "
            + path
            + " ("
            + status
            + ") is not as "
            + RESOURCE
            + " documents it",
        body);
  }

  /**
   * Fails unless a request Onceflow sent to a client's endpoint is the document's webhook {@code
   * name}: every required header present and valid, and the body valid against its schema.
   */
  public static void checkWebhook(
      String name, Function<String, Optional<String>> header, String body) {
    List<String> violations = document().webhookViolations(name, header, body);
    requireNone(
        violations, "The webhook request is not as " + RESOURCE + " documents " + name, body);
  }

  /** Fails with each violation on a line, and the start of the body, if there is any. */
  private static void requireNone(List<String> violations, String what, String body) {
    if (!violations.isEmpty()) {
      throw new AssertionError(
          what
              + ":\n  - "
              + String.join("\n  - ", violations)
              + "\n  body: "
              + body.substring(0, Math.min(body.length(), 1_000)));
    }
  }

  private List<String> webhookViolations(
      String name, Function<String, Optional<String>> header, String body) {
    PathItem webhook = model.getWebhooks() == null ? null : model.getWebhooks().get(name);
    if (webhook == null || webhook.getPost() == null) {
      return List.of("the document has no POST webhook " + name);
    }
    String pointer = "#/webhooks/" + escape(name) + "/post";
    List<String> violations = new ArrayList<>();
    List<Parameter> parameters =
        webhook.getPost().getParameters() == null ? List.of() : webhook.getPost().getParameters();
    for (int i = 0; i < parameters.size(); i++) {
      Parameter parameter = parameters.get(i);
      if (!"header".equals(parameter.getIn())) {
        continue;
      }
      violations.addAll(
          headerViolations(
              parameter.getName(),
              parameter.getRequired(),
              header.apply(parameter.getName()),
              pointer + "/parameters/" + i + "/schema",
              StringNode::valueOf));
    }
    if (!mediaType(header).equals("application/json")) {
      violations.add("Content-Type '" + mediaType(header) + "', not application/json");
    }
    violations.addAll(
        schemaViolations(pointer + "/requestBody/content/application~1json/schema", body, true));
    return violations;
  }

  private List<String> violations(
      String method,
      String target,
      int status,
      Function<String, Optional<String>> header,
      String body,
      Undocumented undocumented) {
    String path = target.replaceFirst("[?#].*", "");
    // Neither API is in the client document.
    if (under(path, "/admin") || under(path, "/actuator")) {
      return List.of();
    }
    Optional<DocumentedPath> documented =
        paths.stream().filter(p -> p.pattern().matcher(path).matches()).findFirst();
    Operation operation =
        documented
            .map(p -> model.getPaths().get(p.template()).readOperationsMap())
            .map(operations -> operations.get(PathItem.HttpMethod.valueOf(method)))
            .orElse(null);
    if (operation == null) {
      // The app's answer to a path it does not know is still one of its problems.
      if (documented.isPresent() && undocumented == Undocumented.FAILS) {
        return List.of(method + " " + documented.get().template() + " is not documented");
      }
      if (!mediaType(header).equals("application/problem+json")) {
        return List.of(
            "an undocumented request must get application/problem+json, not '"
                + mediaType(header)
                + "'");
      }
      return schemaViolations(PROBLEM, body, true);
    }
    String operationPointer =
        "#/paths/" + escape(documented.get().template()) + "/" + method.toLowerCase(Locale.ROOT);
    String code = Integer.toString(status);
    String responseKey =
        operation.getResponses().containsKey(code)
            ? code
            : operation.getResponses().containsKey(code.charAt(0) + "XX")
                ? code.charAt(0) + "XX"
                : operation.getResponses().getDefault() != null ? "default" : null;
    if (responseKey == null) {
      return List.of(
          "status "
              + status
              + " is not documented for "
              + operation.getOperationId()
              + " (documented: "
              + operation.getResponses().keySet()
              + ")");
    }
    ApiResponse response = operation.getResponses().get(responseKey);
    String responsePointer = operationPointer + "/responses/" + responseKey;
    if (response.get$ref() != null) {
      responsePointer = response.get$ref();
      response = model.getComponents().getResponses().get(lastSegment(response.get$ref()));
    }
    List<String> violations = new ArrayList<>();
    if (response.getHeaders() != null) {
      for (Map.Entry<String, Header> entry : response.getHeaders().entrySet()) {
        String headerPointer = responsePointer + "/headers/" + escape(entry.getKey());
        Header documentedHeader = entry.getValue();
        if (documentedHeader.get$ref() != null) {
          headerPointer = documentedHeader.get$ref();
          documentedHeader =
              model.getComponents().getHeaders().get(lastSegment(documentedHeader.get$ref()));
        }
        violations.addAll(
            headerViolations(
                entry.getKey(),
                documentedHeader.getRequired(),
                header.apply(entry.getKey()),
                documentedHeader.getSchema() == null ? null : headerPointer + "/schema",
                OpenApiContract::headerValue));
      }
    }
    String mediaType = mediaType(header);
    if (response.getContent() == null || response.getContent().isEmpty()) {
      if (!body.isEmpty()) {
        violations.add("a body where none is documented");
      }
      return violations;
    }
    if (!response.getContent().containsKey(mediaType)) {
      violations.add(
          "Content-Type '"
              + mediaType
              + "' is not documented (documented: "
              + response.getContent().keySet()
              + ")");
      return violations;
    }
    if (response.getContent().get(mediaType).getSchema() != null) {
      violations.addAll(
          schemaViolations(
              responsePointer + "/content/" + escape(mediaType) + "/schema",
              body,
              mediaType.equals("application/json") || mediaType.endsWith("+json")));
    }
    return violations;
  }

  /**
   * A documented header: missing though required, or present and not valid against its schema
   * ({@code schemaPointer} null: any value), read as {@code typed} makes it.
   */
  private List<String> headerViolations(
      String name,
      Boolean required,
      Optional<String> value,
      String schemaPointer,
      Function<String, JsonNode> typed) {
    if (value.isEmpty()) {
      return Boolean.TRUE.equals(required)
          ? List.of("the required header " + name + " is missing")
          : List.of();
    }
    if (schemaPointer == null) {
      return List.of();
    }
    return schemaViolations(schemaPointer, typed.apply(value.get())).stream()
        .map(violation -> "header " + name + ": " + violation)
        .toList();
  }

  private List<String> schemaViolations(String pointer, String value, boolean json) {
    JsonNode instance;
    if (json) {
      try {
        instance = JSON.readTree(value);
      } catch (JacksonException e) {
        return List.of("the body is not JSON: " + e.getOriginalMessage());
      }
    } else {
      instance = StringNode.valueOf(value);
    }
    return schemaViolations(pointer, instance);
  }

  private List<String> schemaViolations(String pointer, JsonNode instance) {
    return schemas.getSchema(SchemaLocation.of(LOCATION + pointer)).validate(instance).stream()
        .map(Error::toString)
        .map(violation -> violation + " (schema " + pointer + ")")
        .toList();
  }

  /** A header's value as its schema types it: a number where one can be, otherwise text. */
  private static JsonNode headerValue(String value) {
    return value.matches("-?\\d{1,9}")
        ? IntNode.valueOf(Integer.parseInt(value))
        : StringNode.valueOf(value);
  }

  private static String mediaType(Function<String, Optional<String>> header) {
    return header
        .apply("Content-Type")
        .map(type -> type.split(";")[0].trim().toLowerCase(Locale.ROOT))
        .orElse("");
  }

  private static boolean under(String path, String prefix) {
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }

  /** A JSON pointer token (RFC 6901). */
  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static String lastSegment(String ref) {
    return ref.substring(ref.lastIndexOf('/') + 1);
  }
}
