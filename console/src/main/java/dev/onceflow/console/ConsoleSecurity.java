package dev.onceflow.console;

import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Every page but the login and the health check needs a logged-in user; a viewer reads them all,
 * and only an operator acts: every request that is not a GET, and the actions' confirmation pages.
 * Form login with a session, and Spring's CSRF protection left on: every form the pages post
 * carries the token (Thymeleaf adds it to each {@code th:action} form).
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurity implements WebMvcConfigurer {

  @Bean
  SecurityFilterChain loginRequired(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(
            requests ->
                requests
                    .requestMatchers("/login", "/error", "/actuator/health", "/actuator/health/**")
                    .permitAll()
                    .requestMatchers("/logout")
                    .authenticated()
                    .requestMatchers("/payments/*/actions/**")
                    .hasRole(ConsoleProperties.Role.OPERATOR.name())
                    .requestMatchers(HttpMethod.GET, "/**")
                    .hasAnyRole(
                        ConsoleProperties.Role.VIEWER.name(),
                        ConsoleProperties.Role.OPERATOR.name())
                    .anyRequest()
                    .hasRole(ConsoleProperties.Role.OPERATOR.name()))
        .formLogin(login -> login.loginPage("/login").permitAll())
        .logout(logout -> logout.logoutSuccessUrl("/login?logout"));
    return http.build();
  }

  /** The configured users, each with its one role; their hashes are checked at start. */
  @Bean
  UserDetailsService consoleUsers(ConsoleProperties properties) {
    List<UserDetails> users =
        properties.users().stream()
            .map(
                user ->
                    User.withUsername(user.name())
                        .password(user.bcrypt())
                        .roles(user.access().name())
                        .build())
            .toList();
    return new InMemoryUserDetailsManager(users);
  }

  /** Only bcrypt: the settings check refuses any other form of password. */
  @Bean
  PasswordEncoder passwordEncoder() {
    return new BCryptPasswordEncoder();
  }

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addViewController("/login").setViewName("console/login");
  }
}
