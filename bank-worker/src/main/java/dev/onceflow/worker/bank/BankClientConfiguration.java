package dev.onceflow.worker.bank;

import java.net.http.HttpClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

@Configuration(proxyBeanMethods = false)
class BankClientConfiguration {

  @Bean
  RestClient bankRestClient(BankProperties properties) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(properties.connectTimeout())
            // Plain HTTP/1.1: no h2c upgrade dance with a bank that may not speak it.
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(http);
    requestFactory.setReadTimeout(properties.readTimeout());
    return RestClient.builder().baseUrl(properties.baseUrl()).requestFactory(requestFactory).build();
  }
}
