package dev.onceflow.model;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which URLs a webhook may be sent to. Intake checks an endpoint's URL when a client registers it,
 * the dispatcher again before every attempt (a name may resolve elsewhere by then): a URL that
 * resolves to a loopback, private, link-local (cloud metadata), carrier-grade NAT, multicast or
 * unspecified address would let a client make Onceflow call into its own network (SSRF), so it is
 * refused unless {@code onceflow.webhooks.allow-private-addresses} is set.
 */
public final class WebhookTargets {

  /** The setting that lets endpoints resolve to private addresses. */
  public static final String ALLOW_PRIVATE_SETTING = "onceflow.webhooks.allow-private-addresses";

  public static final int MAX_URL_LENGTH = 2048;

  private WebhookTargets() {}

  /** Why {@code url} may not receive webhooks, or empty if it may. Resolves its host. */
  public static Optional<String> refusal(String url, boolean allowPrivateAddresses) {
    if (url == null || url.isBlank()) {
      return Optional.of("'url' is required.");
    }
    if (url.length() > MAX_URL_LENGTH) {
      return Optional.of("'url' may be at most " + MAX_URL_LENGTH + " characters.");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("'url' is not a valid URL: " + e.getReason() + ".");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return Optional.of("'url' must be an http or https URL.");
    }
    if (uri.getHost() == null) {
      return Optional.of("'url' must name a host.");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("'url' must not carry a user name or password.");
    }
    if (uri.getRawFragment() != null) {
      return Optional.of("'url' must not have a fragment.");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      return Optional.of("The host of 'url' (" + uri.getHost() + ") does not resolve.");
    }
    if (allowPrivateAddresses) {
      return Optional.empty();
    }
    for (InetAddress address : addresses) {
      if (isInternal(address)) {
        return Optional.of(
            "The host of 'url' (%s) resolves to %s, a loopback or private address; webhooks go only to public addresses unless %s is set."
                .formatted(uri.getHost(), address.getHostAddress(), ALLOW_PRIVATE_SETTING));
      }
    }
    return Optional.empty();
  }

  /** Whether the address is not on the public internet. */
  static boolean isInternal(InetAddress address) {
    if (address.isLoopbackAddress()
        || address.isAnyLocalAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return true;
    }
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = bytes[0] & 0xff;
      int second = bytes[1] & 0xff;
      return first == 0 // "this network"
          || (first == 100 && second >= 64 && second < 128) // carrier-grade NAT, 100.64/10
          || (first == 198 && (second == 18 || second == 19)) // benchmarking, 198.18/15
          || first >= 240; // reserved and broadcast
    }
    if (address instanceof Inet6Address) {
      // Unique local fc00::/7; an IPv4-mapped or -compatible address is checked as its IPv4 one.
      if ((bytes[0] & 0xfe) == 0xfc) {
        return true;
      }
      boolean zeroPrefix = true;
      for (int i = 0; i < 10; i++) {
        zeroPrefix &= bytes[i] == 0;
      }
      if (zeroPrefix
          && ((bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff)
              || (bytes[10] == 0 && bytes[11] == 0))) {
        try {
          return isInternal(
              InetAddress.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]}));
        } catch (UnknownHostException e) {
          return true;
        }
      }
    }
    return false;
  }
}
