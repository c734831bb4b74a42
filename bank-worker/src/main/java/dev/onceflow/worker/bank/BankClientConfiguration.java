package dev.onceflow.worker.bank;

import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;

@Configuration(proxyBeanMethods = false)
class BankClientConfiguration {

  @Bean(destroyMethod = "close")
  CloseableHttpClient bankHttpClient(
      BankProperties properties, ObjectProvider<SslBundles> bundles) {
    Timeout connect = Timeout.of(properties.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    // Inner limits only: the call's deadline (CallDeadlines) bounds the whole call.
    Timeout read = Timeout.of(properties.callDeadline().toMillis(), TimeUnit.MILLISECONDS);
    return HttpClients.custom()
        .setConnectionManager(
            withClientCertificate(
                    PoolingHttpClientConnectionManagerBuilder.create(), properties, bundles)
                .setMaxConnTotal(properties.maxConnections())
                .setMaxConnPerRoute(properties.maxConnections())
                .setDefaultConnectionConfig(
                    ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        .setSocketTimeout(read)
                        // A pooled connection idle for a second is checked before a payment goes
                        // out on it: one the bank closed meanwhile would fail the call.
                        .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                        .build())
                .build())
        .setDefaultRequestConfig(
            RequestConfig.custom()
                .setConnectionRequestTimeout(read)
                .setResponseTimeout(read)
                .setRedirectsEnabled(false)
                .build())
        // A payment call is never re-sent behind the worker's back: retries are the worker's
        // decision, counted against its budget and recorded on the row.
        .disableAutomaticRetries()
        .disableRedirectHandling()
        .disableCookieManagement()
        .build();
  }

  /**
   * The SSL bundle's key material (the worker's client certificate) and trust, when one is named.
   */
  private static PoolingHttpClientConnectionManagerBuilder withClientCertificate(
      PoolingHttpClientConnectionManagerBuilder builder,
      BankProperties properties,
      ObjectProvider<SslBundles> bundles) {
    if (properties.sslBundle() == null || properties.sslBundle().isBlank()) {
      return builder;
    }
    SslBundle bundle = bundles.getObject().getBundle(properties.sslBundle());
    return builder.setTlsSocketStrategy(new DefaultClientTlsStrategy(bundle.createSslContext()));
  }

  @Bean(destroyMethod = "close")
  CallDeadlines bankCallDeadlines(Clock clock) {
    return new CallDeadlines(clock);
  }

  @Bean
  RestClient bankRestClient(
      BankProperties properties,
      CloseableHttpClient bankHttpClient,
      CallDeadlines deadlines,
      ObjectProvider<ObservationRegistry> observations) {
    RestClient.Builder builder = RestClient.builder();
    if (properties.credential() != null && !properties.credential().isBlank()) {
      builder.defaultHeader(properties.credentialHeader(), properties.credential());
    }
    return builder
        .baseUrl(properties.baseUrl())
        .requestFactory(deadlines.requestFactory(bankHttpClient))
        // Observed calls carry the current trace as a traceparent header: the bank's side of a
        // payment can be found by the trace id the client sent to intake.
        .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
        .build();
  }
}
