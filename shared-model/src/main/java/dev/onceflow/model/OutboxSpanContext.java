package dev.onceflow.model;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The outbox's {@code tracingspancontext} column: the trace context of the request that wrote the
 * row, in the {@link Properties} text form that Debezium's Outbox Event Router parses (one {@code
 * key=value} line per propagation header, e.g. {@code traceparent}). The router turns it into the
 * Kafka record's headers, so the consumer continues the writer's trace.
 */
public final class OutboxSpanContext {

  /** Column name, which is also the Event Router's default {@code tracing.span.context.field}. */
  public static final String COLUMN = "tracingspancontext";

  private OutboxSpanContext() {}

  /** The column value for these propagation headers; null when there are none (no trace). */
  public static String encode(Map<String, String> headers) {
    if (headers.isEmpty()) {
      return null;
    }
    Properties properties = new Properties();
    properties.putAll(headers);
    StringWriter text = new StringWriter();
    try {
      // store() escapes what Properties.load would otherwise misread (backslashes, separators).
      properties.store(text, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // store() always starts with a date comment: noise in every row, and load() skips it anyway.
    return text.toString()
        .lines()
        .filter(line -> !line.startsWith("#"))
        .collect(Collectors.joining("\n"));
  }

  /** The headers a column value holds, as Debezium reads them; empty for null. */
  public static Map<String, String> decode(String column) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (column == null) {
      return headers;
    }
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(column));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    properties
        .stringPropertyNames()
        .forEach(name -> headers.put(name, properties.getProperty(name)));
    return headers;
  }
}
