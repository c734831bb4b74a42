package dev.onceflow.intake.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.onceflow.model.ApiClient;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KnownClientsTest {

  private final ApiClientRepository repository = mock(ApiClientRepository.class);
  private final AtomicLong nanoTime = new AtomicLong(-5_000_000_000L);
  private final KnownClients known = new KnownClients(repository, nanoTime::get);
  private final ApiClient client = new ApiClient(UUID.randomUUID(), "acme", "hash-1", Instant.now());

  @Test
  void aFoundKeyIsLookedUpOnceAMinute() {
    when(repository.findByApiKeyHash("hash-1")).thenReturn(Optional.of(client));

    assertThat(known.clientOf("hash-1")).contains(client.getId());
    nanoTime.addAndGet(KnownClients.REMEMBER_FOR.toNanos() - 1);
    assertThat(known.clientOf("hash-1")).contains(client.getId());
    verify(repository, times(1)).findByApiKeyHash("hash-1");

    nanoTime.addAndGet(1);
    assertThat(known.clientOf("hash-1")).contains(client.getId());
    verify(repository, times(2)).findByApiKeyHash("hash-1");
  }

  @Test
  void anUnknownKeyIsNotRememberedSoANewClientsKeyWorksAtOnce() {
    when(repository.findByApiKeyHash("hash-1")).thenReturn(Optional.empty());
    assertThat(known.clientOf("hash-1")).isEmpty();

    when(repository.findByApiKeyHash("hash-1")).thenReturn(Optional.of(client));
    assertThat(known.clientOf("hash-1")).contains(client.getId());
  }

  @Test
  void aKeyGoneFromTheTableStopsWorkingWhenItsMinuteIsUp() {
    when(repository.findByApiKeyHash("hash-1")).thenReturn(Optional.of(client));
    known.clientOf("hash-1");

    when(repository.findByApiKeyHash("hash-1")).thenReturn(Optional.empty());
    nanoTime.addAndGet(KnownClients.REMEMBER_FOR.toNanos());
    assertThat(known.clientOf("hash-1")).isEmpty();
  }

  @Test
  void rememberedKeysAreBounded() {
    when(repository.findByApiKeyHash(org.mockito.ArgumentMatchers.anyString())).thenReturn(Optional.of(client));
    for (int i = 0; i <= KnownClients.MAX_REMEMBERED; i++) {
      known.clientOf("hash-" + i);
    }
    // The map started afresh when it was full, so the first key is looked up again.
    known.clientOf("hash-0");
    verify(repository, times(2)).findByApiKeyHash("hash-0");
  }
}
