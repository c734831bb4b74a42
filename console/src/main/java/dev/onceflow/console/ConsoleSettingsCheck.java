package dev.onceflow.console;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;

/**
 * Checks the console's settings before anything connects: a console nobody can log in to, one whose
 * password is kept in a form it cannot verify, or an overview pointed at a slot name PostgreSQL
 * cannot have or at no Kafka address, stops with the rule in one line ({@link
 * dev.onceflow.model.InvalidSettingFailureAnalyzer}).
 */
class ConsoleSettingsCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    // Binding runs each record's own checks; an absent prefix binds no users, which they refuse.
    Binder binder = Binder.get(event.getEnvironment());
    binder.bindOrCreate(ConsoleProperties.PREFIX, Bindable.of(ConsoleProperties.class));
    binder.bindOrCreate(PipelineSettings.PREFIX, Bindable.of(PipelineSettings.class));
  }
}
