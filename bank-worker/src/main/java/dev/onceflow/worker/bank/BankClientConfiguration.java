package dev.onceflow.worker.bank;

import io.micrometer.observation.ObservationRegistry;
import java.net.http.HttpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

@Configuration(proxyBeanMethods = false)
class BankClientConfiguration {

  @Bean
  RestClient bankRestClient(BankProperties properties, ObjectProvider<ObservationRegistry> observations) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(properties.connectTimeout())
            // Plain HTTP/1.1: no h2c upgrade dance with a bank that may not speak it.
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(http);
    requestFactory.setReadTimeout(properties.readTimeout());
    return RestClient.builder()
        .baseUrl(properties.baseUrl())
        .requestFactory(requestFactory)
        // Observed calls carry the current trace as a traceparent header: the bank's side of a
        // payment can be found by the trace id the client sent to intake.
        .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
        .build();
  }
}
