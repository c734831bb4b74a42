package dev.onceflow.worker.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onceflow.model.InvalidSettingException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class BankPropertiesTest {

  @Test
  void aBankAcrossTheNetworkMustBeHttpsUnlessPlainHttpIsAllowed() {
    assertThatThrownBy(() -> bank("http://bank.example/api", false))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("onceflow.bank.base-url must be https")
        .hasMessageContaining("onceflow.bank.allow-plain-http=true");
    assertThat(bank("http://bank-simulator:8081", true).baseUrl())
        .isEqualTo("http://bank-simulator:8081");
    assertThat(bank("https://bank.example/api", false).baseUrl())
        .isEqualTo("https://bank.example/api");
    for (String loopback :
        new String[] {"http://localhost:8081", "http://127.0.0.1:8081", "http://[::1]:8081"}) {
      assertThat(bank(loopback, false).baseUrl()).isEqualTo(loopback);
    }
  }

  @Test
  void refusesWhatIsNotAnHttpUrl() {
    for (String url :
        new String[] {"ftp://bank.example", "bank.example", "http://", "https://bank example"}) {
      assertThatThrownBy(() -> bank(url, true)).as(url).isInstanceOf(InvalidSettingException.class);
    }
  }

  private static BankProperties bank(String url, boolean allowPlainHttp) {
    return new BankProperties(
        url,
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        512,
        null,
        "Authorization",
        null,
        allowPlainHttp,
        DataSize.ofKilobytes(64));
  }
}
