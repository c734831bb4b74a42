package dev.onceflow.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy on a link between two processes (a service and PostgreSQL, Kafka or the bank) that
 * can make the network misbehave: hold every chunk it forwards for a latency (one chunk at a time
 * each way, so a bulk transfer slows down too), stall every connection without closing it (bytes
 * wait in the kernel's buffers, as behind a dead switch port), or cut every open connection with a
 * reset (as a firewall does). New connections are accepted throughout; while stalled they stall
 * too. Written here rather than taken from a library because Toxiproxy, the usual choice, is a Go
 * server, not a Maven artifact.
 */
final class TcpProxy implements AutoCloseable {

  private static final int CHUNK = 16 * 1024;

  private final String name;
  private final ServerSocket server;
  private final int targetPort;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Object conditions = new Object();
  private long latencyNanos;
  private long stalledUntilNanos;
  private boolean stalled;

  /** Listens on {@code port} of localhost and forwards to {@code targetPort} there. */
  TcpProxy(String name, int port, int targetPort) throws IOException {
    this.name = name;
    this.targetPort = targetPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    threads.execute(this::accept);
  }

  String name() {
    return name;
  }

  int port() {
    return server.getLocalPort();
  }

  /** Every chunk forwarded from now on, either way, arrives {@code latency} late. */
  void latency(Duration latency) {
    synchronized (conditions) {
      latencyNanos = latency.toNanos();
    }
  }

  /** Nothing is forwarded for {@code duration}; connections stay open. */
  void stall(Duration duration) {
    synchronized (conditions) {
      stalled = true;
      stalledUntilNanos = System.nanoTime() + duration.toNanos();
      conditions.notifyAll();
    }
  }

  /**
   * Resets every open connection, both ends; new ones are accepted as before. Returns how many
   * sockets it closed (two per connection once it reached its target).
   */
  int cut() {
    int cut = 0;
    for (Socket socket : sockets) {
      try {
        // An RST, not a FIN: the peer sees "connection reset", as behind a firewall that drops it.
        socket.setSoLinger(true, 0);
      } catch (IOException e) {
        // already closed
      }
      closeQuietly(socket);
      cut++;
    }
    return cut;
  }

  /** No latency, no stall. */
  void heal() {
    synchronized (conditions) {
      latencyNanos = 0;
      stalled = false;
      conditions.notifyAll();
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> connect(client));
      } catch (IOException e) {
        // closed: the loop ends
      }
    }
  }

  private void connect(Socket client) {
    Socket target = new Socket();
    sockets.add(client);
    sockets.add(target);
    try {
      target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
      client.setTcpNoDelay(true);
      target.setTcpNoDelay(true);
      threads.execute(() -> pump(target, client));
      pump(client, target);
    } catch (IOException e) {
      // the target is down (killed): the client sees its connection closed
      close(client, target);
    }
  }

  /** Forwards one direction until either end closes, then closes both. */
  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[CHUNK];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      for (int read; (read = in.read(buffer)) >= 0; ) {
        awaitForwarding(System.nanoTime());
        out.write(buffer, 0, read);
        out.flush();
      }
    } catch (IOException e) {
      // reset or cut: both ends go
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      close(from, to);
    }
  }

  /** Waits while the link is stalled, and until a chunk read at {@code readAt} is due. */
  private void awaitForwarding(long readAt) throws InterruptedException {
    synchronized (conditions) {
      while (true) {
        long now = System.nanoTime();
        if (stalled && now - stalledUntilNanos >= 0) {
          stalled = false;
        }
        long dueIn = stalled ? stalledUntilNanos - now : readAt + latencyNanos - now;
        if (dueIn <= 0) {
          return;
        }
        conditions.wait(Math.max(1, dueIn / 1_000_000));
      }
    }
  }

  private void close(Socket a, Socket b) {
    closeQuietly(a);
    closeQuietly(b);
    sockets.remove(a);
    sockets.remove(b);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    cut();
    threads.shutdownNow();
  }

  @Override
  public String toString() {
    return name + " proxy :" + port() + " -> :" + targetPort;
  }
}
