package dev.onceflow.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for servers that start later. A port is free when handed out but nobody holds it until the
 * server binds, so two things must not take it meanwhile: a second call in this JVM (the kernel
 * readily hands out a just-released port again) and an outgoing connection, which takes its local
 * port from the ephemeral range (32768-60999 on Linux). So ports come from below that range and are
 * never handed out twice by one JVM.
 */
public final class FreePorts {

  private static final int LOWEST = 20000;
  private static final int HIGHEST = 32767;
  private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port nothing listens on now, and that this JVM has not handed out before. */
  public static int find() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST + 1);
      if (!handedOut.contains(port) && bindable(port) && handedOut.add(port)) {
        return port;
      }
    }
    throw new UncheckedIOException(
        new IOException("no free port between " + LOWEST + " and " + HIGHEST));
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
