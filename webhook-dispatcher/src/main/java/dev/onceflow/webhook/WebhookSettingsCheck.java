package dev.onceflow.webhook;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;

/**
 * Checks the dispatcher's settings before anything connects: a setting it cannot run with stops it
 * with the rule in one line ({@link dev.onceflow.model.InvalidSettingFailureAnalyzer}).
 */
class WebhookSettingsCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    // Binding runs the record's own checks; an absent prefix binds the defaults.
    Binder.get(event.getEnvironment())
        .bindOrCreate("onceflow.webhooks", Bindable.of(WebhookProperties.class));
  }
}
