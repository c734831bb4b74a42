package dev.onceflow.intake.admin.web;

import dev.onceflow.intake.admin.AdminProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration
class AdminWebConfiguration implements WebMvcConfigurer {

  private final AdminProperties properties;

  AdminWebConfiguration(AdminProperties properties) {
    this.properties = properties;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(new AdminAuthentication(properties)).addPathPatterns("/admin", "/admin/**");
  }
}
