package dev.onceflow.console;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;

/**
 * Checks the console's users before anything connects: a console nobody can log in to, or one whose
 * password is kept in a form it cannot verify, stops with the rule in one line ({@link
 * dev.onceflow.model.InvalidSettingFailureAnalyzer}).
 */
class ConsoleSettingsCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    // Binding runs the record's own checks; an absent prefix binds no users, which they refuse.
    Binder.get(event.getEnvironment())
        .bindOrCreate(ConsoleProperties.PREFIX, Bindable.of(ConsoleProperties.class));
  }
}
