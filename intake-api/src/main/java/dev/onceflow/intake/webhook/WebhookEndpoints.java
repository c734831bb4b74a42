package dev.onceflow.intake.webhook;

import dev.onceflow.intake.paging.Keyset;
import dev.onceflow.intake.paging.Page;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.model.EventType;
import dev.onceflow.model.WebhookTargets;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** A client's webhook endpoints and their deliveries: what the client API does with them. */
@Service
public class WebhookEndpoints {

  /** Live endpoints one client may have. */
  public static final int MAX_ENDPOINTS_PER_CLIENT = 16;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcClient jdbc;
  private final Keyset keyset;
  private final Clock clock;
  private final WebhookSettings settings;

  WebhookEndpoints(JdbcClient jdbc, Clock clock, WebhookSettings settings) {
    this.jdbc = jdbc;
    this.keyset = new Keyset(jdbc);
    this.clock = clock;
    this.settings = settings;
  }

  /** A new endpoint and its signing secret, which is never shown again. */
  public record Registered(WebhookEndpoint endpoint, String secret) {}

  /**
   * Registers an endpoint for the given event types (all of them if none is given).
   *
   * @throws Refusal 400 for a URL or event type it cannot take, 422 past the endpoint limit
   */
  @Transactional
  public Registered register(UUID clientId, String url, List<String> eventTypes) {
    WebhookTargets.refusal(url, settings.allowPrivateAddresses())
        .ifPresent(
            reason -> {
              throw Refusal.badRequest("invalid-webhook-url", "Invalid webhook URL", reason);
            });
    List<String> types = eventTypes(eventTypes);
    jdbc.sql(WebhookStatements.LOCK_CLIENT).param("clientId", clientId).query().singleRow();
    long live =
        jdbc.sql(WebhookStatements.COUNT_LIVE)
            .param("clientId", clientId)
            .query(Long.class)
            .single();
    if (live >= MAX_ENDPOINTS_PER_CLIENT) {
      throw Refusal.unprocessable(
          "too-many-webhook-endpoints",
          "Too many webhook endpoints",
          "A client may have at most "
              + MAX_ENDPOINTS_PER_CLIENT
              + " webhook endpoints; delete one first.");
    }
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    // Microseconds, as PostgreSQL keeps them: what is returned is what is read back later.
    Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    UUID id = UUID.randomUUID();
    jdbc.sql(WebhookStatements.INSERT)
        .param("id", id)
        .param("clientId", clientId)
        .param("url", url)
        .param("eventTypes", types.toArray(String[]::new))
        .param("secret", secret)
        .param("now", utc(now))
        .update();
    return new Registered(new WebhookEndpoint(id, url, types, now), secret);
  }

  /** The client's live endpoints, oldest first. */
  public Page<WebhookEndpoint> list(UUID clientId, PageRequest request) {
    return keyset.rows(
        WebhookStatements.LIVE,
        Map.of("clientId", clientId),
        "created_at",
        Keyset.Order.OLDEST_FIRST,
        request,
        ids ->
            jdbc.sql(WebhookStatements.BY_IDS)
                .param("ids", ids)
                .query(WebhookEndpoints::endpoint)
                .list(),
        WebhookEndpoint::id);
  }

  public WebhookEndpoint get(UUID clientId, UUID id) {
    return jdbc.sql(WebhookStatements.ONE)
        .param("clientId", clientId)
        .param("id", id)
        .query(WebhookEndpoints::endpoint)
        .optional()
        .orElseThrow(() -> notFound(id));
  }

  /**
   * Deletes the endpoint; its pending deliveries are abandoned (FAILED), its log stays readable.
   */
  @Transactional
  public void delete(UUID clientId, UUID id) {
    int deleted =
        jdbc.sql(WebhookStatements.DELETE)
            .param("id", id)
            .param("clientId", clientId)
            .param("now", utc(clock.instant()))
            .update();
    if (deleted == 0) {
      throw notFound(id);
    }
    jdbc.sql(WebhookStatements.ABANDON_PENDING).param("id", id).update();
  }

  /** The endpoint's deliveries, newest first, each with its attempts. */
  public Page<WebhookDelivery> deliveries(UUID clientId, UUID endpointId, PageRequest request) {
    get(clientId, endpointId);
    return keyset.rows(
        WebhookStatements.DELIVERIES_OF,
        Map.of("endpointId", endpointId),
        "created_at",
        Keyset.Order.NEWEST_FIRST,
        request,
        this::deliveriesWithLog,
        WebhookDelivery::id);
  }

  public WebhookDelivery delivery(UUID clientId, UUID endpointId, UUID deliveryId) {
    get(clientId, endpointId);
    return jdbc.sql(WebhookStatements.DELIVERY_OF_ENDPOINT)
        .param("deliveryId", deliveryId)
        .param("endpointId", endpointId)
        .query(UUID.class)
        .optional()
        .map(id -> deliveriesWithLog(List.of(id)).get(0))
        .orElseThrow(
            () ->
                Refusal.notFound(
                    "webhook-delivery-not-found",
                    "No delivery " + deliveryId + " of webhook endpoint " + endpointId + "."));
  }

  /**
   * Makes a delivered or failed delivery due again now; a pending one is already being tried.
   * Either way the answer is the delivery as it is then.
   */
  @Transactional
  public WebhookDelivery resend(UUID clientId, UUID endpointId, UUID deliveryId) {
    get(clientId, endpointId);
    // Matches no row for a delivery of another endpoint; the read below then answers 404.
    jdbc.sql(WebhookStatements.RESEND)
        .param("deliveryId", deliveryId)
        .param("endpointId", endpointId)
        .param("now", utc(clock.instant()))
        .update();
    return delivery(clientId, endpointId, deliveryId);
  }

  private List<WebhookDelivery> deliveriesWithLog(List<UUID> ids) {
    List<WebhookDelivery> deliveries =
        jdbc.sql(WebhookStatements.DELIVERIES_BY_IDS)
            .param("ids", ids)
            .query(WebhookEndpoints::delivery)
            .list();
    Map<UUID, List<WebhookDelivery.Attempt>> attempts =
        jdbc
            .sql(WebhookStatements.ATTEMPTS_OF)
            .param("ids", ids)
            .query(
                (rs, row) ->
                    Map.entry(
                        rs.getObject("delivery_id", UUID.class),
                        new WebhookDelivery.Attempt(
                            rs.getInt("attempt"),
                            instant(rs, "started_at"),
                            rs.getInt("latency_ms"),
                            rs.getObject("status_code", Integer.class),
                            rs.getString("error"))))
            .list()
            .stream()
            .collect(
                Collectors.groupingBy(
                    Map.Entry::getKey,
                    Collectors.mapping(Map.Entry::getValue, Collectors.toList())));
    List<WebhookDelivery> withLog = new ArrayList<>();
    for (WebhookDelivery delivery : deliveries) {
      withLog.add(delivery.withLog(attempts.getOrDefault(delivery.id(), List.of())));
    }
    return withLog;
  }

  /** The event types asked for, validated; all client events when none are named. */
  private static List<String> eventTypes(List<String> asked) {
    List<String> known = EventType.clientEvents().stream().map(EventType::wireName).toList();
    if (asked == null || asked.isEmpty()) {
      return known;
    }
    Set<String> types = new LinkedHashSet<>();
    for (String type : asked) {
      if (type == null || !known.contains(type)) {
        throw Refusal.badRequest(
            "invalid-event-type",
            "Invalid event type",
            "'eventTypes' may name only " + String.join(", ", known) + "; got '" + type + "'.");
      }
      types.add(type);
    }
    return List.copyOf(types);
  }

  private static Refusal notFound(UUID id) {
    return Refusal.notFound("webhook-endpoint-not-found", "No webhook endpoint " + id + ".");
  }

  private static WebhookEndpoint endpoint(ResultSet rs, int row) throws SQLException {
    Array types = rs.getArray("event_types");
    return new WebhookEndpoint(
        rs.getObject("id", UUID.class),
        rs.getString("url"),
        Arrays.asList((String[]) types.getArray()),
        instant(rs, "created_at"));
  }

  private static WebhookDelivery delivery(ResultSet rs, int row) throws SQLException {
    String state = rs.getString("state");
    return new WebhookDelivery(
        rs.getObject("id", UUID.class),
        rs.getObject("event_id", UUID.class),
        rs.getString("event_type"),
        rs.getObject("transaction_id", UUID.class),
        state,
        rs.getInt("attempts"),
        instant(rs, "created_at"),
        state.equals("PENDING") ? instant(rs, "next_attempt_at") : null,
        instant(rs, "give_up_at"),
        Optional.ofNullable(rs.getObject("delivered_at", OffsetDateTime.class))
            .map(OffsetDateTime::toInstant)
            .orElse(null),
        rs.getObject("last_status", Integer.class),
        rs.getString("last_error"),
        List.of());
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant();
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
