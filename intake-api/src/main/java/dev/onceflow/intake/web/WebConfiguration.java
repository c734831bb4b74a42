package dev.onceflow.intake.web;

import dev.onceflow.intake.client.BearerClientResolver;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration
class WebConfiguration implements WebMvcConfigurer {

  private final BearerClientResolver clientResolver;

  WebConfiguration(BearerClientResolver clientResolver) {
    this.clientResolver = clientResolver;
  }

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> argumentResolvers) {
    argumentResolvers.add(clientResolver);
  }
}
