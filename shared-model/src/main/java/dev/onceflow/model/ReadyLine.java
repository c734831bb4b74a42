package dev.onceflow.model;

/**
 * The line the runnable jar prints on standard output once it is ready for work: the contract
 * between it and whatever starts it as a process (the system tests, the benchmark, a script).
 * Nothing is ready before the line; everything it names is ready when it appears.
 */
public final class ReadyLine {

  /** The whole local stack: every service started, every port listening. */
  public static final String STACK = "Onceflow is running";

  private ReadyLine() {}

  /** One service or server of {@code service NAME}, e.g. {@code Onceflow kafka is running}. */
  public static String service(String name) {
    return "Onceflow " + name + " is running";
  }
}
