package dev.onceflow.worker.bank;

import dev.onceflow.model.InvalidSettingException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Where the bank is and how long a call to it may take.
 *
 * @param baseUrl the bank API's root; the worker calls {@code POST /payments} and {@code GET
 *     /payments?idempotencyKey=} below it
 * @param connectTimeout how long to wait for a TCP connection (within the call deadline)
 * @param callDeadline the hard limit of one call, counted from the claim that allowed it: waiting
 *     for a pooled connection, connecting, sending and reading the whole answer together. The call
 *     is aborted when it passes, however the bank behaves (a trickled answer included); the
 *     worker's lease and the time from which "the bank holds no payment" is trusted are derived
 *     from it
 * @param maxConnections connections to the bank kept by one worker; calls beyond it wait for one
 *     (within their deadline)
 * @param credential the value of {@code credentialHeader} on every call (for example {@code Bearer
 *     <token>}); none when unset. Never logged
 * @param credentialHeader the header that carries the credential
 * @param sslBundle the Spring SSL bundle ({@code spring.ssl.bundle.*}) whose key store holds the
 *     worker's client certificate and whose trust store the bank's; none: the JVM's defaults
 * @param allowPlainHttp whether a base URL other than https may be used for a bank that is not on
 *     this machine (the compose file's simulator); loopback URLs may always be http
 * @param maxAnswerSize the largest answer read from the bank; a larger one is not read and its
 *     outcome counts as unknown (a lookup by key settles it)
 */
@ConfigurationProperties("onceflow.bank")
public record BankProperties(
    @DefaultValue("http://localhost:8081") String baseUrl,
    @DefaultValue("2s") Duration connectTimeout,
    @DefaultValue("10s") Duration callDeadline,
    @DefaultValue("512") int maxConnections,
    String credential,
    @DefaultValue("Authorization") String credentialHeader,
    String sslBundle,
    @DefaultValue("false") boolean allowPlainHttp,
    @DefaultValue("64KB") DataSize maxAnswerSize) {

  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  public BankProperties {
    URI uri;
    try {
      uri = new URI(baseUrl);
    } catch (URISyntaxException e) {
      throw new InvalidSettingException("onceflow.bank.base-url is not a URL: " + baseUrl);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new InvalidSettingException(
          "onceflow.bank.base-url must be an http(s) URL with a host, is " + baseUrl);
    }
    if ("http".equals(uri.getScheme()) && !allowPlainHttp && !LOOPBACK.contains(uri.getHost())) {
      throw new InvalidSettingException(
          "onceflow.bank.base-url must be https for a bank that is not on this machine (payments and credentials would"
              + " cross the network in clear), is "
              + baseUrl
              + "; onceflow.bank.allow-plain-http=true allows it");
    }
    if (maxAnswerSize.toBytes() < 1024) {
      throw new InvalidSettingException(
          "onceflow.bank.max-answer-size must be at least 1KB, is " + maxAnswerSize);
    }
    if (credentialHeader == null || !credentialHeader.matches("[A-Za-z0-9-]+")) {
      throw new InvalidSettingException(
          "onceflow.bank.credential-header must be a header name, is " + credentialHeader);
    }
    if (callDeadline.isNegative() || callDeadline.isZero()) {
      throw new InvalidSettingException(
          "onceflow.bank.call-deadline must be positive, is " + callDeadline);
    }
    if (connectTimeout.isNegative()
        || connectTimeout.isZero()
        || connectTimeout.compareTo(callDeadline) > 0) {
      throw new InvalidSettingException(
          "onceflow.bank.connect-timeout must be positive and at most onceflow.bank.call-deadline ("
              + callDeadline
              + "), is "
              + connectTimeout);
    }
    if (maxConnections < 1) {
      throw new InvalidSettingException(
          "onceflow.bank.max-connections must be at least 1, is " + maxConnections);
    }
  }
}
