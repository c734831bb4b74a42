package dev.onceflow.intake.admin.web;

import dev.onceflow.intake.admin.AdminActions;
import dev.onceflow.intake.admin.AdminProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration
class AdminWebConfiguration implements WebMvcConfigurer {

  private final AdminProperties properties;
  private final AdminActions actions;

  AdminWebConfiguration(AdminProperties properties, AdminActions actions) {
    this.properties = properties;
    this.actions = actions;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry
        .addInterceptor(new AdminAuthentication(properties, actions))
        .addPathPatterns("/admin", "/admin/**");
  }
}
