package dev.onceflow.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/**
 * The {@code onceflow.*} properties the code reads: the keys bound to
 * {@code @ConfigurationProperties} records (found on the classpath and walked component by
 * component, nested records included), the placeholders and property conditions in the main
 * sources, system properties read by name, and keys set in the modules' properties files.
 */
final class ConfigurationKeys {

  /**
   * @param module the Maven module whose code reads it
   * @param defaultValue the default the code declares; null when it declares none
   */
  record Key(String name, String module, String defaultValue) {}

  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\$\\{(onceflow\\.[a-z0-9.-]+)(?::([^}]*))?}");
  private static final Pattern CONDITION =
      Pattern.compile(
          "@ConditionalOn\\w*Property\\(\\s*(?:(?:name|value)\\s*=\\s*)?\"(onceflow\\.[a-z0-9.-]+)\"");
  private static final Pattern SYSTEM_PROPERTY =
      Pattern.compile(
          "(?:System\\.getProperty|Boolean\\.getBoolean|Integer\\.getInteger|Long\\.getLong)"
              + "\\(\\s*\"(onceflow\\.[a-z0-9.-]+)\"(\\s*\\+)?");
  private static final Pattern PROPERTIES_ANNOTATION =
      Pattern.compile(
          "@ConfigurationProperties\\(\\s*(?:(?:prefix|value)\\s*=\\s*)?\"([a-z0-9.-]+)\"");
  // The prefix as a constant of the class (@ConfigurationProperties(ConsoleProperties.PREFIX)),
  // then that constant's text in the same file.
  private static final Pattern PROPERTIES_ANNOTATION_CONSTANT =
      Pattern.compile(
          "@ConfigurationProperties\\(\\s*(?:(?:prefix|value)\\s*=\\s*)?(?:\\w+\\.)?([A-Z][A-Z0-9_]*)\\s*\\)");

  /** Stands for the rest of a key that the code computes, as in {@code onceflow.local.<flag>}. */
  static final String COMPUTED_SUFFIX = "<flag>";

  private ConfigurationKeys() {}

  /** Every key, by name. */
  static Map<String, Key> read() {
    Map<String, Key> keys = new TreeMap<>();
    boundKeys().forEach(key -> keys.put(key.name(), key));
    sourceKeys()
        .forEach(key -> keys.merge(key.name(), key, ConfigurationKeys::keepDeclaredDefault));
    return keys;
  }

  /**
   * The prefixes of the {@code @ConfigurationProperties} annotations written in the main sources.
   */
  static Set<String> annotatedPrefixes() {
    Set<String> prefixes = new TreeSet<>();
    for (Path source : mainSources()) {
      String text = read(source);
      Matcher matcher = PROPERTIES_ANNOTATION.matcher(text);
      while (matcher.find()) {
        prefixes.add(matcher.group(1));
      }
      Matcher constant = PROPERTIES_ANNOTATION_CONSTANT.matcher(text);
      while (constant.find()) {
        Matcher value =
            Pattern.compile("String\\s+" + constant.group(1) + "\\s*=\\s*\"([a-z0-9.-]+)\"")
                .matcher(text);
        if (value.find()) {
          prefixes.add(value.group(1));
        }
      }
    }
    return prefixes;
  }

  /** The prefixes of the {@code @ConfigurationProperties} types found on the classpath. */
  static Set<String> boundPrefixes() {
    Set<String> prefixes = new TreeSet<>();
    for (Class<?> type : propertiesTypes()) {
      prefixes.add(prefixOf(type));
    }
    return prefixes;
  }

  private static List<Key> boundKeys() {
    List<Key> keys = new ArrayList<>();
    for (Class<?> type : propertiesTypes()) {
      if (!type.isRecord()) {
        throw new IllegalStateException(
            type + " is not a record: teach ConfigurationKeys its properties");
      }
      walk(prefixOf(type), type, moduleOf(type), keys);
    }
    return keys;
  }

  private static void walk(String prefix, Class<?> record, String module, List<Key> keys) {
    RecordComponent[] components = record.getRecordComponents();
    Parameter[] parameters = canonicalConstructor(record).getParameters();
    for (int i = 0; i < components.length; i++) {
      Class<?> type = components[i].getType();
      String name = prefix + "." + kebabCase(components[i].getName());
      if (type.isRecord() && type.getPackageName().startsWith("dev.onceflow")) {
        walk(name, type, module, keys);
      } else {
        keys.add(new Key(name, module, defaultOf(parameters[i], type)));
      }
    }
  }

  private static String defaultOf(Parameter parameter, Class<?> type) {
    DefaultValue declared = parameter.getAnnotation(DefaultValue.class);
    if (declared != null && declared.value().length > 0) {
      return String.join(",", declared.value());
    }
    if (type == boolean.class) {
      return "false";
    }
    return type.isPrimitive() ? "0" : null;
  }

  private static List<Key> sourceKeys() {
    List<Key> keys = new ArrayList<>();
    for (Path source : mainSources()) {
      String module = moduleOf(source);
      String text = read(source);
      Matcher placeholder = PLACEHOLDER.matcher(text);
      while (placeholder.find()) {
        keys.add(new Key(placeholder.group(1), module, placeholder.group(2)));
      }
      Matcher condition = CONDITION.matcher(text);
      while (condition.find()) {
        keys.add(new Key(condition.group(1), module, null));
      }
      Matcher property = SYSTEM_PROPERTY.matcher(text);
      while (property.find()) {
        boolean computed = property.group(2) != null;
        keys.add(new Key(property.group(1) + (computed ? COMPUTED_SUFFIX : ""), module, null));
      }
    }
    for (Path file : mainPropertiesFiles()) {
      Properties properties = new Properties();
      try (var in = Files.newBufferedReader(file)) {
        properties.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      properties.stringPropertyNames().stream()
          .filter(name -> name.startsWith("onceflow."))
          .forEach(name -> keys.add(new Key(name, moduleOf(file), null)));
    }
    return keys;
  }

  private static Key keepDeclaredDefault(Key first, Key second) {
    return first.defaultValue() != null ? first : second;
  }

  private static List<Class<?>> propertiesTypes() {
    var scanner = new ClassPathScanningCandidateComponentProvider(false);
    scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
    List<Class<?>> types = new ArrayList<>();
    for (BeanDefinition candidate : scanner.findCandidateComponents("dev.onceflow")) {
      try {
        types.add(Class.forName(candidate.getBeanClassName()));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    }
    return types;
  }

  private static String prefixOf(Class<?> type) {
    ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
    return annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
  }

  private static Constructor<?> canonicalConstructor(Class<?> record) {
    Class<?>[] types =
        Arrays.stream(record.getRecordComponents())
            .map(RecordComponent::getType)
            .toArray(Class<?>[]::new);
    try {
      return record.getDeclaredConstructor(types);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }

  static String kebabCase(String camelCase) {
    return camelCase.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
  }

  /** The module whose main sources hold this class (nested classes: their top-level class). */
  private static String moduleOf(Class<?> type) {
    Class<?> topLevel = type;
    while (topLevel.getEnclosingClass() != null) {
      topLevel = topLevel.getEnclosingClass();
    }
    String file = "src/main/java/" + topLevel.getName().replace('.', '/') + ".java";
    try (Stream<Path> modules = Files.list(ProjectFiles.root())) {
      return modules
          .filter(module -> Files.exists(module.resolve(file)))
          .map(module -> module.getFileName().toString())
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no module holds " + file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String moduleOf(Path file) {
    return ProjectFiles.root().relativize(file).getName(0).toString();
  }

  private static List<Path> mainSources() {
    return ProjectFiles.find("src/main/java", ".java");
  }

  private static List<Path> mainPropertiesFiles() {
    return ProjectFiles.find("src/main/resources", ".properties");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
