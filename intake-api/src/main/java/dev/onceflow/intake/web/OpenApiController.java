package dev.onceflow.intake.web;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Serves the hand-written OpenAPI document of the client API. It lives under a package path, not in
 * {@code static/}, because the local stack runs every app on one classpath. OpenApiDocumentIT keeps
 * it and the app's endpoints in step.
 */
@RestController
class OpenApiController {

  static final String DOCUMENT = "dev/onceflow/intake/openapi.yaml";

  private static final MediaType YAML = MediaType.parseMediaType("application/yaml");

  @GetMapping("/openapi.yaml")
  ResponseEntity<Resource> document() {
    return ResponseEntity.ok().contentType(YAML).body(new ClassPathResource(DOCUMENT));
  }
}
