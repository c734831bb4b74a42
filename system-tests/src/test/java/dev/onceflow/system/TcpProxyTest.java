package dev.onceflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The campaign's network faults do what they say, on real sockets through an echo server. */
class TcpProxyTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();
  private ServerSocket echo;
  private TcpProxy proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(
        () -> {
          while (!echo.isClosed()) {
            try {
              Socket socket = echo.accept();
              threads.execute(
                  () -> {
                    try (socket;
                        InputStream in = socket.getInputStream();
                        OutputStream out = socket.getOutputStream()) {
                      in.transferTo(out);
                    } catch (IOException e) {
                      // the test closed it
                    }
                  });
            } catch (IOException e) {
              // closed
            }
          }
        });
    proxy = new TcpProxy("echo", 0, echo.getLocalPort());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
    threads.shutdownNow();
  }

  @Test
  void forwardsBothWays() throws IOException {
    try (Socket client = connect()) {
      assertThat(roundTrip(client, 'a')).isEqualTo('a');
    }
  }

  @Test
  void latencyDelaysEveryChunkEachWay() throws IOException {
    proxy.latency(Duration.ofMillis(150));
    try (Socket client = connect()) {
      long started = System.nanoTime();
      assertThat(roundTrip(client, 'b')).isEqualTo('b');
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
  }

  @Test
  void aStallHoldsTheBytesWithoutClosingTheConnection() throws IOException {
    try (Socket client = connect()) {
      assertThat(roundTrip(client, 'c')).isEqualTo('c');
      proxy.stall(Duration.ofMinutes(1));
      client.setSoTimeout(500);
      client.getOutputStream().write('d');
      try {
        client.getInputStream().read();
        throw new AssertionError("a byte came through a stalled link");
      } catch (SocketTimeoutException expected) {
        // held, and the connection is still open
      }
      proxy.heal();
      client.setSoTimeout(5_000);
      assertThat((char) client.getInputStream().read()).isEqualTo('d');
    }
  }

  @Test
  void aCutClosesOpenConnectionsAndNewOnesWork() throws IOException {
    try (Socket client = connect()) {
      assertThat(roundTrip(client, 'e')).isEqualTo('e');
      assertThat(proxy.cut()).isPositive();
      client.setSoTimeout(5_000);
      await().atMost(Duration.ofSeconds(5)).until(() -> readOrEnd(client) < 0);
    }
    try (Socket again = connect()) {
      assertThat(roundTrip(again, 'f')).isEqualTo('f');
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    socket.setSoTimeout(5_000);
    return socket;
  }

  private static char roundTrip(Socket socket, char sent) throws IOException {
    socket.getOutputStream().write(sent);
    return (char) socket.getInputStream().read();
  }

  private static int readOrEnd(Socket socket) {
    try {
      return socket.getInputStream().read();
    } catch (IOException e) {
      return -1;
    }
  }
}
