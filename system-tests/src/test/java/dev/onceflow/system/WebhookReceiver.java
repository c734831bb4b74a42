package dev.onceflow.system;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A client's webhook endpoint on this machine: records every request it gets and answers 500 while
 * {@link #failing} is set, 200 otherwise.
 */
final class WebhookReceiver implements AutoCloseable {

  /** One request as the endpoint saw it, and what it answered. */
  record Received(Map<String, String> headers, String body, int answered, Instant at) {

    String eventId() {
      return headers.get("Onceflow-Event-Id");
    }

    String deliveryId() {
      return headers.get("Onceflow-Delivery-Id");
    }

    String signature() {
      return headers.get("Onceflow-Signature");
    }

    Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name));
    }
  }

  final List<Received> received = new CopyOnWriteArrayList<>();
  volatile boolean failing;

  private final HttpServer server;

  WebhookReceiver(boolean failing) {
    this.failing = failing;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status = this.failing ? 500 : 200;
          Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
          exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
          received.add(new Received(headers, body, status, Instant.now()));
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  List<Received> acknowledged() {
    return received.stream().filter(r -> r.answered() == 200).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
