package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The jar a user runs ({@code local-stack/target/onceflow-local.jar}), started as its own OS
 * process with its output in a log file, so that tests can kill it with SIGKILL like an operator's
 * {@code kill -9}.
 */
final class JarProcess implements AutoCloseable {

  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final List<String> command;
  private final Path log;
  private Process process;

  private JarProcess(String name, List<String> command, Path log) {
    this.name = name;
    this.command = command;
    this.log = log;
  }

  /** A process of the jar with these arguments (not started yet). */
  static JarProcess of(String name, Path logDirectory, String heap, List<String> args) {
    String jar = System.getProperty("onceflow.local-stack-jar");
    assertThat(new File(jar)).as("the local stack jar (built by mvn package)").exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    // Many JVMs share two cores here: skip the optimising compiler's start-up work.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    // The class-data archive the build recorded next to the jar, as the README's run command uses
    // it.
    Path archive = Path.of(jar).resolveSibling("onceflow-local.jsa");
    if (Files.exists(archive)) {
      command.add("-XX:SharedArchiveFile=" + archive);
    }
    command.add("-jar");
    command.add(jar);
    command.addAll(args);
    return new JarProcess(name, command, logDirectory.resolve(name + ".log"));
  }

  JarProcess start() throws IOException {
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return this;
  }

  /** Waits until {@code ready} holds, failing at once if the process exits. */
  JarProcess awaitReady(Duration atMost, Callable<Boolean> ready) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(500))
        .failFast(name + " exited; see " + log, () -> !process.isAlive())
        .ignoreExceptions()
        .until(ready);
    return this;
  }

  /** How many times the log says {@code text}. */
  int logged(String text) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readString(log).split(java.util.regex.Pattern.quote(text), -1).length - 1;
  }

  /** Waits for the process to end by itself and returns its exit code. */
  int awaitExit(Duration atMost) throws InterruptedException {
    assertThat(process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS))
        .as("%s ended within %s; see %s", name, atMost, log)
        .isTrue();
    return process.exitValue();
  }

  /** SIGKILL, as {@code kill -9}: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** The operating system's id of the running process. */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  Path log() {
    return log;
  }

  /** The body of a GET, or "" if it cannot be had. */
  static String get(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Stops it gracefully (SIGTERM, its shutdown hooks run), or kills it after a minute. */
  @Override
  public void close() throws InterruptedException {
    if (isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
