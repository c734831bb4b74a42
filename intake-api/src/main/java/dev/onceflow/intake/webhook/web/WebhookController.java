package dev.onceflow.intake.webhook.web;

import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.intake.paging.PageView;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.intake.webhook.WebhookDelivery;
import dev.onceflow.intake.webhook.WebhookEndpoint;
import dev.onceflow.intake.webhook.WebhookEndpoints;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A client's webhook endpoints: register (the answer holds the signing secret, never shown again),
 * list, read, delete; each endpoint's delivery log, and a re-send of one delivery.
 */
@RestController
@RequestMapping("/webhook-endpoints")
class WebhookController {

  private final WebhookEndpoints endpoints;

  WebhookController(WebhookEndpoints endpoints) {
    this.endpoints = endpoints;
  }

  /** The body of a registration. */
  record RegisterRequest(String url, List<String> eventTypes) {}

  /** The answer to a registration: the endpoint and, this once, its secret. */
  record RegisteredView(
      UUID id, String url, List<String> eventTypes, Instant createdAt, String secret) {}

  @PostMapping
  ResponseEntity<RegisteredView> register(
      AuthenticatedClient client, @RequestBody(required = false) RegisterRequest request) {
    if (request == null) {
      throw Refusal.badRequest(
          "invalid-request", "Invalid request", "The body must be a JSON object with a 'url'.");
    }
    WebhookEndpoints.Registered registered =
        endpoints.register(client.id(), request.url(), request.eventTypes());
    WebhookEndpoint endpoint = registered.endpoint();
    return ResponseEntity.created(URI.create("/webhook-endpoints/" + endpoint.id()))
        .body(
            new RegisteredView(
                endpoint.id(),
                endpoint.url(),
                endpoint.eventTypes(),
                endpoint.createdAt(),
                registered.secret()));
  }

  @GetMapping
  PageView<WebhookEndpoint> list(
      AuthenticatedClient client,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String before) {
    return PageView.of(endpoints.list(client.id(), PageRequest.of(limit, after, before)));
  }

  @GetMapping("/{id}")
  WebhookEndpoint get(AuthenticatedClient client, @PathVariable UUID id) {
    return endpoints.get(client.id(), id);
  }

  @DeleteMapping("/{id}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(AuthenticatedClient client, @PathVariable UUID id) {
    endpoints.delete(client.id(), id);
  }

  @GetMapping("/{id}/deliveries")
  PageView<WebhookDelivery> deliveries(
      AuthenticatedClient client,
      @PathVariable UUID id,
      @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String after,
      @RequestParam(required = false) String before) {
    return PageView.of(endpoints.deliveries(client.id(), id, PageRequest.of(limit, after, before)));
  }

  @GetMapping("/{id}/deliveries/{deliveryId}")
  WebhookDelivery delivery(
      AuthenticatedClient client, @PathVariable UUID id, @PathVariable UUID deliveryId) {
    return endpoints.delivery(client.id(), id, deliveryId);
  }

  @PostMapping("/{id}/deliveries/{deliveryId}/resend")
  @ResponseStatus(HttpStatus.ACCEPTED)
  WebhookDelivery resend(
      AuthenticatedClient client, @PathVariable UUID id, @PathVariable UUID deliveryId) {
    return endpoints.resend(client.id(), id, deliveryId);
  }
}
