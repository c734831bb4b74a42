package dev.onceflow.worker;

import dev.onceflow.worker.bank.BankProperties;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;

/**
 * Checks the worker's and the bank client's settings as soon as they are known, before anything
 * connects to PostgreSQL, Kafka or the bank: a worker with a setting it cannot run with refuses to
 * start, having changed nothing, with the rule in one line ({@link
 * dev.onceflow.model.InvalidSettingFailureAnalyzer}).
 */
class WorkerSettingsCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    Binder binder = Binder.get(event.getEnvironment());
    // Binding runs the records' own checks; an absent prefix binds the defaults.
    WorkerProperties worker =
        binder.bindOrCreate("onceflow.worker", Bindable.of(WorkerProperties.class));
    BankProperties bank = binder.bindOrCreate("onceflow.bank", Bindable.of(BankProperties.class));
    worker.requireLeaseBeyond(bank.callDeadline());
  }
}
