package dev.onceflow.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The project's own files, read by the tests that keep deployment files and docs in step. */
final class ProjectFiles {

  private ProjectFiles() {}

  /**
   * The reactor's root: the nearest directory above the working directory with docker-compose.yml.
   */
  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.exists(dir.resolve("docker-compose.yml")) && Files.exists(dir.resolve("pom.xml"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no docker-compose.yml above " + Path.of("").toAbsolutePath());
  }

  static Path resolve(String relative) {
    return root().resolve(relative);
  }

  /** Files ending in {@code suffix} under {@code <module>/<directory>} of every module. */
  static List<Path> find(String directory, String suffix) {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root())) {
      for (Path module : modules.filter(Files::isDirectory).sorted().toList()) {
        Path base = module.resolve(directory);
        if (!Files.isDirectory(base) || !Files.exists(module.resolve("pom.xml"))) {
          continue;
        }
        try (Stream<Path> tree = Files.walk(base)) {
          tree.filter(file -> file.toString().endsWith(suffix)).sorted().forEach(files::add);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }
}
