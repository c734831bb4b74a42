package dev.onceflow.intake.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.onceflow.intake.client.ApiKeyStore.ActiveKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KnownClientsTest {

  private final ApiKeyStore store = mock(ApiKeyStore.class);
  private final AtomicLong nanoTime = new AtomicLong(-5_000_000_000L);
  private final Instant now = Instant.parse("2026-12-02T10:00:00Z");
  private final AtomicReference<Instant> wallClock = new AtomicReference<>(now);
  private final KnownClients known = new KnownClients(store, clock(), nanoTime::get);
  private final UUID client = UUID.randomUUID();

  @Test
  void aKeyIsLookedUpAgainOnlyOnceItsAnswerIsHalfASecondOld() {
    when(store.findActive(eq("hash-1"), any()))
        .thenReturn(Optional.of(new ActiveKey(client, null)));

    assertThat(known.clientOf("hash-1")).contains(client);
    nanoTime.addAndGet(KnownClients.REMEMBER_FOR.toNanos() - 1);
    assertThat(known.clientOf("hash-1")).contains(client);
    verify(store, times(1)).findActive(eq("hash-1"), any());

    nanoTime.addAndGet(1);
    assertThat(known.clientOf("hash-1")).contains(client);
    verify(store, times(2)).findActive(eq("hash-1"), any());
  }

  @Test
  void aRevokedKeyStopsWorkingWhenItsAnswerIsHalfASecondOld() {
    when(store.findActive(eq("hash-1"), any()))
        .thenReturn(Optional.of(new ActiveKey(client, null)));
    known.clientOf("hash-1");

    when(store.findActive(eq("hash-1"), any())).thenReturn(Optional.empty());
    assertThat(known.clientOf("hash-1")).contains(client);
    nanoTime.addAndGet(KnownClients.REMEMBER_FOR.toNanos());
    assertThat(known.clientOf("hash-1")).isEmpty();
  }

  @Test
  void anUnknownKeyCostsOneLookupPerHalfSecondHoweverOftenItIsSent() {
    when(store.findActive(eq("forged"), any())).thenReturn(Optional.empty());

    for (int i = 0; i < 1_000; i++) {
      assertThat(known.clientOf("forged")).isEmpty();
    }
    verify(store, times(1)).findActive(eq("forged"), any());
  }

  @Test
  void aRotatedKeyStopsAtItsExpiryEvenWhenItsAnswerIsFresh() {
    when(store.findActive(eq("old"), any()))
        .thenReturn(Optional.of(new ActiveKey(client, now.plusMillis(1))));

    assertThat(known.clientOf("old")).contains(client);
    wallClock.set(now.plusMillis(1));
    assertThat(known.clientOf("old")).isEmpty();
    verify(store, times(1)).findActive(eq("old"), any());
  }

  private Clock clock() {
    return new Clock() {
      @Override
      public Instant instant() {
        return wallClock.get();
      }

      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        throw new UnsupportedOperationException();
      }
    };
  }

  @Test
  void rememberedKeysAreBounded() {
    when(store.findActive(anyString(), any())).thenReturn(Optional.empty());
    for (int i = 0; i < 3 * KnownClients.MAX_REMEMBERED; i++) {
      known.clientOf("forged-" + i);
    }
    assertThat(known.size()).isLessThanOrEqualTo(KnownClients.MAX_REMEMBERED);
  }
}
