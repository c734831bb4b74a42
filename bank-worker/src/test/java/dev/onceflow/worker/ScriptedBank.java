package dev.onceflow.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A bank that answers what the test scripted, for the outcomes the simulator does not produce
 * (declines, 5xx, throttling, lookups during reconciliation), and records which keys it was sent.
 */
final class ScriptedBank implements AutoCloseable {

  /**
   * @param delay how long to wait before answering
   * @param perByte if not zero, the body is sent one byte at a time, this long apart
   */
  record Answer(
      int status,
      String contentType,
      String body,
      Map<String, String> headers,
      Duration delay,
      Duration perByte) {

    static Answer payment(int status, String paymentId, String paymentStatus) {
      return new Answer(
          status,
          "application/json",
          "{\"paymentId\":\"%s\",\"status\":\"%s\",\"calls\":1}"
              .formatted(paymentId, paymentStatus),
          Map.of(),
          Duration.ZERO,
          Duration.ZERO);
    }

    static Answer problem(int status, String detail) {
      return new Answer(
          status,
          "application/problem+json",
          "{\"type\":\"https://bank.example/problems/x\",\"status\":%d,\"detail\":\"%s\"}"
              .formatted(status, detail),
          Map.of(),
          Duration.ZERO,
          Duration.ZERO);
    }

    Answer withHeader(String name, String value) {
      return new Answer(status, contentType, body, Map.of(name, value), delay, perByte);
    }

    /** The same answer, sent only after {@code delay}. */
    Answer after(Duration delay) {
      return new Answer(status, contentType, body, headers, delay, perByte);
    }

    /** The same answer, its body trickled a byte every {@code perByte}: no read ever times out. */
    Answer trickled(Duration perByte) {
      return new Answer(status, contentType, body, headers, delay, perByte);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final ScheduledExecutorService answers = Executors.newScheduledThreadPool(4);
  private final Queue<Answer> payments = new ConcurrentLinkedQueue<>();
  private final Queue<Answer> lookups = new ConcurrentLinkedQueue<>();
  private final List<String> paymentKeys = new CopyOnWriteArrayList<>();
  private final List<String> lookupQueries = new CopyOnWriteArrayList<>();
  private final List<String> credentials = new CopyOnWriteArrayList<>();
  private final List<String> clientCertificates = new CopyOnWriteArrayList<>();
  private final AtomicInteger openPayments = new AtomicInteger();
  private final AtomicInteger mostOpenPayments = new AtomicInteger();
  private volatile Answer everyPayment;

  ScriptedBank() throws IOException {
    this(null);
  }

  /**
   * With {@code tls}, the bank speaks https and requires a client certificate its trust store
   * accepts; the subject of each caller's certificate is recorded.
   */
  ScriptedBank(SSLContext tls) throws IOException {
    if (tls == null) {
      server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    } else {
      HttpsServer https = HttpsServer.create(new InetSocketAddress("localhost", 0), 0);
      https.setHttpsConfigurator(
          new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters parameters) {
              SSLParameters ssl = tls.getDefaultSSLParameters();
              ssl.setNeedClientAuth(true);
              parameters.setSSLParameters(ssl);
            }
          });
      server = https;
    }
    server.createContext("/payments", this::handle);
    // A delayed answer must not hold up the next request.
    server.setExecutor(executor);
    server.start();
  }

  String baseUrl() {
    return (server instanceof HttpsServer ? "https" : "http")
        + "://localhost:"
        + server.getAddress().getPort();
  }

  /** The subject of the client certificate of every https call so far. */
  List<String> clientCertificates() {
    return List.copyOf(clientCertificates);
  }

  /** The next answers to {@code POST /payments}, in order. */
  void onPay(Answer... answers) {
    payments.addAll(List.of(answers));
  }

  /** The next answers to {@code GET /payments?idempotencyKey=}, in order. */
  void onLookup(Answer... answers) {
    lookups.addAll(List.of(answers));
  }

  /** The Idempotency-Key of every payment call so far. */
  List<String> paymentKeys() {
    return List.copyOf(paymentKeys);
  }

  /** The query string of every lookup so far. */
  List<String> lookupQueries() {
    return List.copyOf(lookupQueries);
  }

  /** The Authorization header of every call so far ("null" where there was none). */
  List<String> credentials() {
    return List.copyOf(credentials);
  }

  void reset() {
    credentials.clear();
    everyPayment = null;
    mostOpenPayments.set(0);
    payments.clear();
    lookups.clear();
    paymentKeys.clear();
    lookupQueries.clear();
  }

  /** The answer to every payment call once the scripted ones are used up. */
  void onEveryPay(Answer answer) {
    everyPayment = answer;
  }

  /** The most payment calls that were open at once (arrived and not yet answered). */
  int mostOpenPayments() {
    return mostOpenPayments.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    boolean payment = "POST".equals(exchange.getRequestMethod());
    if (payment) {
      int open = openPayments.incrementAndGet();
      mostOpenPayments.accumulateAndGet(open, Math::max);
    }
    exchange.getRequestBody().readAllBytes();
    credentials.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
    if (exchange instanceof HttpsExchange https) {
      clientCertificates.add(https.getSSLSession().getPeerPrincipal().getName());
    }
    Answer answer;
    if (payment) {
      paymentKeys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
      answer = payments.poll();
      if (answer == null) {
        answer = everyPayment;
      }
    } else {
      lookupQueries.add(exchange.getRequestURI().getRawQuery());
      answer = lookups.poll();
    }
    Answer scripted = answer == null ? Answer.problem(500, "nothing scripted") : answer;
    // A slow bank without a parked thread: the answer is written when its delay has passed.
    answers.schedule(
        () -> start(exchange, scripted, payment),
        scripted.delay().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void start(HttpExchange exchange, Answer answer, boolean payment) {
    byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
    try {
      exchange.getResponseHeaders().add("Content-Type", answer.contentType());
      answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
      exchange.sendResponseHeaders(answer.status(), body.length);
      if (answer.perByte().isZero()) {
        exchange.getResponseBody().write(body);
        finish(exchange, payment);
      } else {
        trickle(exchange, answer, body, 0, payment);
      }
    } catch (IOException clientGone) {
      finish(exchange, payment);
    }
  }

  /** Writes byte {@code next} and schedules the one after it; a client that aborted ends it. */
  private void trickle(
      HttpExchange exchange, Answer answer, byte[] body, int next, boolean payment) {
    try {
      exchange.getResponseBody().write(body[next]);
      exchange.getResponseBody().flush();
    } catch (IOException clientGone) {
      // The client aborted the call: what this answer is for.
      finish(exchange, payment);
      return;
    }
    if (next + 1 == body.length) {
      finish(exchange, payment);
      return;
    }
    answers.schedule(
        () -> trickle(exchange, answer, body, next + 1, payment),
        answer.perByte().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** A payment call stops counting as open once its whole answer is written (or abandoned). */
  private void finish(HttpExchange exchange, boolean payment) {
    if (payment) {
      openPayments.decrementAndGet();
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    answers.shutdownNow();
  }
}
