package dev.onceflow.local;

import dev.onceflow.ops.OpsCommand;
import java.util.Arrays;
import java.util.List;

/**
 * The runnable jar's one entry: {@code [run] [flags]} starts the local stack (the default), {@code
 * --self-check} starts one on free ports, pays once and stops, {@code service NAME} runs one
 * service or server alone, {@code ops COMMAND} runs an operator's command.
 */
public final class Onceflow {

  private Onceflow() {}

  public static void main(String[] args) {
    String first = args.length == 0 ? "run" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    switch (first) {
      case "service" -> ServiceLauncher.run(rest);
      case "ops" -> System.exit(OpsCommand.run(rest, System.out, System.err));
      case "run" -> runStack(rest);
      default -> runStack(args);
    }
  }

  private static void runStack(String[] args) {
    LocalStackOptions options;
    try {
      if (List.of(args).contains("--help")) {
        System.out.print(LocalStackOptions.USAGE);
        return;
      }
      options = LocalStackOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("onceflow-local: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (options.selfCheck()) {
      System.exit(SelfCheck.run(options));
    }
    LocalStack.runUntilStopped(options);
  }
}
