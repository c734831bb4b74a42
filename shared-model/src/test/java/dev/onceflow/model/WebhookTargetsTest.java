package dev.onceflow.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookTargetsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
        "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "fd00::1", "fe80::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1"
      })
  void refusesLoopbackPrivateAndLinkLocalAddresses(String address) {
    String host = address.contains(":") ? "[" + address + "]" : address;
    assertThat(WebhookTargets.refusal("http://" + host + "/hook", false))
        .hasValueSatisfying(
            reason -> assertThat(reason).contains(WebhookTargets.ALLOW_PRIVATE_SETTING));
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"})
  void acceptsPublicAddresses(String address) throws Exception {
    assertThat(WebhookTargets.isInternal(InetAddress.getByName(address))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/"})
  void acceptsLoopbackWhenTheSettingAllowsIt(String url) {
    assertThat(WebhookTargets.refusal(url, true)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "ftp://example.com/",
        "file:///etc/passwd",
        "http:///nohost",
        "http://user:pw@8.8.8.8/",
        "http://8.8.8.8/#frag",
        "not a url",
        "gopher://8.8.8.8/"
      })
  void refusesWhatIsNotAnHttpUrlToAHost(String url) {
    assertThat(WebhookTargets.refusal(url, true)).isPresent();
  }
}
