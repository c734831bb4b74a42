package dev.onceflow.model;

/**
 * A setting a service cannot run with. The message is one line that names the setting, its value
 * and the rule, and is what the operator sees when the service refuses to start.
 */
public class InvalidSettingException extends IllegalArgumentException {

  public InvalidSettingException(String message) {
    super(message);
  }
}
