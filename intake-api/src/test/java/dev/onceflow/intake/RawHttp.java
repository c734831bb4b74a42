package dev.onceflow.intake;

import dev.onceflow.testing.OpenApiContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * HTTP/1.1 written byte by byte, for requests that well-behaved clients refuse to send: control
 * characters and raw UTF-8 in headers, bodies that do not match their content type. Every response
 * is checked against the OpenAPI document; as these requests are bad on purpose, one to a path or
 * method the document does not describe must get a documented problem.
 */
final class RawHttp {

  /** A response: its status, headers (lower-case names) and body. */
  record Response(int status, Map<String, String> headers, String body) {

    String contentType() {
      return headers.getOrDefault("content-type", "");
    }
  }

  private final int port;

  RawHttp(int port) {
    this.port = port;
  }

  /**
   * Sends {@code head} (request line and header lines, without the final blank line) and {@code
   * body}; adds Host, Content-Length and Connection: close.
   */
  Response send(byte[] head, byte[] body) {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(head);
        out.write(
            ("\r\nHost: localhost:"
                    + port
                    + "\r\nContent-Length: "
                    + body.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
      } catch (IOException writeFailed) {
        // The server may answer a refused request and close before reading all of it: that
        // answer is what the caller checks, if it arrived.
        byte[] answered;
        try {
          answered = socket.getInputStream().readAllBytes();
        } catch (IOException readFailed) {
          throw writeFailed;
        }
        if (answered.length == 0) {
          throw writeFailed;
        }
        return checked(head, parse(answered));
      }
      return checked(head, parse(socket.getInputStream().readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Response checked(byte[] head, Response response) {
    String[] requestLine =
        new String(head, StandardCharsets.ISO_8859_1).split("\r\n", 2)[0].split(" ");
    OpenApiContract.check(
        requestLine[0],
        requestLine[1],
        response.status(),
        name -> Optional.ofNullable(response.headers().get(name.toLowerCase(Locale.ROOT))),
        response.body(),
        OpenApiContract.Undocumented.GETS_A_PROBLEM);
    return response;
  }

  private static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IllegalStateException("no complete HTTP response: '" + text + "'");
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = new java.io.ByteArrayInputStream(chunked);
    try {
      while (true) {
        StringBuilder size = new StringBuilder();
        for (int c = in.read(); c != '\n' && c != -1; c = in.read()) {
          if (c != '\r') {
            size.append((char) c);
          }
        }
        int length = Integer.parseInt(size.toString().split(";")[0].trim(), 16);
        if (length == 0) {
          return out.toByteArray();
        }
        out.write(in.readNBytes(length));
        in.skip(2);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
