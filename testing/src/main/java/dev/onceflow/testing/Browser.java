package dev.onceflow.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium for browser tests: Debian's {@code chromium} driven by its {@code
 * chromium-driver}, both named by path, so that Selenium never downloads a browser or a driver of
 * its own. Each one has a fresh profile, deleted on {@link #close()}.
 *
 * <p>Where either is missing, {@link #start()} skips the test with the reason (a JUnit assumption,
 * so the test is reported skipped, not passed); with the system property {@value
 * #REQUIRED_PROPERTY} (or the environment variable {@value #REQUIRED_ENV}) set to {@code required},
 * as CI sets it, it fails at once instead, saying how to install them. The paths are {@value
 * #DEFAULT_CHROMIUM} and {@value #DEFAULT_CHROMEDRIVER} unless {@value #CHROMIUM_PROPERTY} or
 * {@value #CHROMEDRIVER_PROPERTY} say otherwise.
 */
public final class Browser implements AutoCloseable {

  public static final String REQUIRED_PROPERTY = "onceflow.test.browser";
  public static final String REQUIRED_ENV = "ONCEFLOW_TEST_BROWSER";
  public static final String CHROMIUM_PROPERTY = "onceflow.test.chromium";
  public static final String CHROMEDRIVER_PROPERTY = "onceflow.test.chromedriver";
  public static final String DEFAULT_CHROMIUM = "/usr/bin/chromium";
  public static final String DEFAULT_CHROMEDRIVER = "/usr/bin/chromedriver";

  private static final String HOW_TO_INSTALL =
      "install Debian's: apt-get install -y chromium chromium-driver (.ci/run does)";

  /** How long a lookup waits for its element (a page loading after a click or a submit). */
  private static final Duration FIND_WAIT = Duration.ofSeconds(10);

  private final WebDriver driver;
  private final Path profile;

  private Browser(WebDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /**
   * A new headless browser; skips the calling test where there is none (fails it instead where
   * browser tests are required).
   */
  public static Browser start() {
    Path chromium = Path.of(System.getProperty(CHROMIUM_PROPERTY, DEFAULT_CHROMIUM));
    Path chromedriver = Path.of(System.getProperty(CHROMEDRIVER_PROPERTY, DEFAULT_CHROMEDRIVER));
    Optional<String> missing = missing(chromium).or(() -> missing(chromedriver));
    if (missing.isPresent()) {
      if (required()) {
        throw new IllegalStateException(
            "Browser tests are required ("
                + REQUIRED_PROPERTY
                + " or "
                + REQUIRED_ENV
                + " is 'required'), but "
                + missing.get()
                + ": "
                + HOW_TO_INSTALL);
      }
      assumeTrue(
          false,
          "Skipped: browser tests need Chromium, and " + missing.get() + "; " + HOW_TO_INSTALL);
    }
    Path profile = temporaryProfile();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--user-data-dir=" + profile);
    // The driver by path: without one, Selenium Manager would look for (and download) its own.
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).build();
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().implicitlyWait(FIND_WAIT);
      return new Browser(driver, profile);
    } catch (RuntimeException e) {
      delete(profile);
      throw e;
    }
  }

  /** Whether browser tests must run here rather than be skipped. */
  static boolean required() {
    String setting = System.getProperty(REQUIRED_PROPERTY, System.getenv(REQUIRED_ENV));
    if (setting == null || setting.isBlank() || setting.trim().equalsIgnoreCase("optional")) {
      return false;
    }
    if (setting.trim().toLowerCase(Locale.ROOT).equals("required")) {
      return true;
    }
    throw new IllegalArgumentException(
        REQUIRED_PROPERTY + " must be 'required' or 'optional', not '" + setting + "'");
  }

  private static Optional<String> missing(Path executable) {
    return Files.isExecutable(executable)
        ? Optional.empty()
        : Optional.of(executable + " is missing (or not executable)");
  }

  /** Opens the URL and waits for the page to load. */
  public Browser open(String url) {
    driver.get(url);
    return this;
  }

  /** The element, waiting for it up to 10 s (for instance while the page after a submit loads). */
  public WebElement find(By by) {
    return driver.findElement(by);
  }

  /** The driver itself, for anything this class does not wrap. */
  public WebDriver driver() {
    return driver;
  }

  /** The page as the browser shows it, saved as a PNG in {@code file} (its folders made). */
  public Path screenshot(Path file) {
    byte[] png = ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES);
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      return Files.write(file, png);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the screenshot to " + file, e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      delete(profile);
    }
  }

  private static Path temporaryProfile() {
    try {
      return Files.createTempDirectory("onceflow-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException("no temporary directory for the browser's profile", e);
    }
  }

  private static void delete(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // A profile left in the temporary directory is litter, not a failed test.
      System.err.println("Browser: could not delete " + directory + ": " + e.getMessage());
    }
  }
}
