package dev.onceflow.intake.web;

import dev.onceflow.intake.client.ClientAuthentication;
import java.util.List;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

@Configuration
class WebConfiguration implements WebMvcConfigurer {

  private final ClientAuthentication clientAuthentication;

  WebConfiguration(ClientAuthentication clientAuthentication) {
    this.clientAuthentication = clientAuthentication;
  }

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> argumentResolvers) {
    argumentResolvers.add(clientAuthentication);
  }

  /**
   * Payment requests are read strictly. {@code "amount": 1250, "amount": 2500} is refused: taking
   * either value could pay an amount the client did not mean. And a number or boolean where text
   * belongs ({@code "name": 5}) is a type error, as a string where a number belongs already is
   * ({@code spring.jackson.mapper.allow-coercion-of-scalars=false}).
   */
  @Bean
  JsonMapperBuilderCustomizer strictPaymentJson() {
    return builder ->
        builder
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .withCoercionConfig(
                LogicalType.Textual,
                text ->
                    text.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
  }

  /** Requests Tomcat refuses itself get a problem+json too. */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
    return factory ->
        factory.addContextCustomizers(
            context ->
                ((StandardHost) context.getParent())
                    .setErrorReportValveClass(ProblemErrorReportValve.class.getName()));
  }

  /** Everything but the admin API (its own key) and the error page needs a client key. */
  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry
        .addInterceptor(clientAuthentication)
        .addPathPatterns("/**")
        .excludePathPatterns("/admin", "/admin/**", "/error");
  }
}
