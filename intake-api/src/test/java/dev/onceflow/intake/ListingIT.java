package dev.onceflow.intake;

import static dev.onceflow.intake.IntakeHttp.id;
import static dev.onceflow.intake.IntakeHttp.json;
import static dev.onceflow.intake.IntakeHttp.payment;
import static dev.onceflow.intake.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.onceflow.intake.IntakeHttp.Client;
import dev.onceflow.testing.MoneyInvariant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/** The client API's lists: cursor pages, stable while rows arrive, and their filters. */
@ExtendWith(MoneyInvariant.class)
class ListingIT {

  private final TestIntake intake = TestIntake.shared();
  private Client client;
  private IntakeHttp api;
  private UUID accountId;

  @BeforeEach
  void newClientWithFundedAccount() {
    client = intake.admin().newClient("listing test");
    api = intake.http(client.apiKey());
    accountId = intake.admin().openAccount(client.id(), "EUR", 100_000_000);
  }

  @Test
  void pagesOfAHundredShowEveryTransactionOnceWhileNewOnesArrive() throws Exception {
    Set<String> existing = submit(1_000, "before-");
    AtomicBoolean listing = new AtomicBoolean(true);
    AtomicInteger arrived = new AtomicInteger();
    ExecutorService newcomers = Executors.newSingleThreadExecutor();
    Future<?> arriving =
        newcomers.submit(
            () -> {
              while (listing.get()) {
                api.submit("during-" + arrived.incrementAndGet(), payment(accountId, 1));
              }
            });
    List<JsonNode> pages = new ArrayList<>();
    try {
      for (String cursor = null; pages.isEmpty() || cursor != null; ) {
        JsonNode page =
            json(api.get("/transactions?limit=100" + (cursor == null ? "" : "&after=" + cursor)));
        pages.add(page);
        cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
      }
      // Back from the last page with previousCursor: the same pages, in reverse.
      String cursor = pages.get(pages.size() - 1).get("previousCursor").asString();
      for (int i = pages.size() - 2; i >= 0; i--) {
        JsonNode page = json(api.get("/transactions?limit=100&before=" + cursor));
        assertThat(page.get("data"))
            .as("page %d read backwards", i)
            .isEqualTo(pages.get(i).get("data"));
        cursor = page.get("previousCursor").asString();
      }
    } finally {
      listing.set(false);
      arriving.get();
      newcomers.shutdown();
    }

    List<JsonNode> forwards = new ArrayList<>();
    pages.forEach(page -> page.get("data").forEach(forwards::add));
    assertThat(pages).hasSizeGreaterThanOrEqualTo(10);
    List<String> seen = forwards.stream().map(t -> t.get("id").asString()).toList();
    assertThat(new HashSet<>(seen)).as("no transaction twice").hasSize(seen.size());
    assertThat(seen).as("none missing").containsAll(existing);
    assertThat(arrived.get()).as("new ones arrived while listing").isPositive();
    List<Instant> created =
        forwards.stream().map(t -> Instant.parse(t.get("createdAt").asString())).toList();
    assertThat(created).as("newest first").isSortedAccordingTo((a, b) -> b.compareTo(a));
  }

  @Test
  void filtersByStateAccountCreationTimeAndIdempotencyKey() {
    UUID other = intake.admin().openAccount(client.id(), "EUR", 10_000);
    String pending = id(api.submit("filter-pending", payment(accountId, 10)));
    String draft = id(api.draft("filter-draft", payment(accountId, 20)));
    String fromOther = id(api.submit("filter-other", payment(other, 30)));
    Instant between = Instant.now();
    String later = id(api.submit("filter-later", payment(accountId, 40)));

    assertThat(ids("/transactions?state=DRAFT")).containsExactly(draft);
    assertThat(ids("/transactions?state=DRAFT,PENDING"))
        .containsExactly(later, fromOther, draft, pending);
    assertThat(ids("/transactions?state=DRAFT&state=PENDING")).hasSize(4);
    assertThat(ids("/transactions?state=COMPLETED")).isEmpty();
    assertThat(ids("/transactions?accountId=" + other)).containsExactly(fromOther);
    assertThat(ids("/transactions?createdFrom=" + between)).containsExactly(later);
    assertThat(ids("/transactions?createdTo=" + between))
        .containsExactly(fromOther, draft, pending);
    assertThat(ids("/transactions?idempotencyKey=filter-other")).containsExactly(fromOther);
    assertThat(ids("/transactions?state=PENDING&accountId=" + accountId + "&createdTo=" + between))
        .containsExactly(pending);
    assertThat(ids("/transactions?accountId=" + UUID.randomUUID())).isEmpty();
  }

  @Test
  void pagesThroughAccountsOldestFirstBothWays() {
    List<UUID> opened = new ArrayList<>(List.of(accountId));
    for (int i = 0; i < 4; i++) {
      opened.add(intake.admin().openAccount(client.id(), "EUR", 1_000));
    }
    List<String> expected = opened.stream().map(UUID::toString).toList();

    assertThat(api.all("/accounts?limit=2").stream().map(a -> a.get("id").asString()))
        .containsExactlyElementsOf(expected);
    JsonNode first = json(api.get("/accounts?limit=2"));
    assertThat(first.get("previousCursor").isNull()).isTrue();
    JsonNode second =
        json(api.get("/accounts?limit=2&after=" + first.get("nextCursor").asString()));
    JsonNode back =
        json(api.get("/accounts?limit=2&before=" + second.get("previousCursor").asString()));
    assertThat(back.get("data")).isEqualTo(first.get("data"));
    assertThat(back.get("previousCursor").isNull()).isTrue();
    assertThat(
            intake.admin().all("/admin/clients/" + client.id() + "/accounts?limit=3").stream()
                .map(a -> a.get("id").asString()))
        .containsExactlyElementsOf(expected);
  }

  @Test
  void refusesBadPagesAndFiltersWithAProblem() {
    String cursor = json(api.get("/transactions?limit=1")).get("nextCursor").asString("");

    assertProblem(api.get("/transactions?limit=0"), 400, "invalid-parameter");
    assertProblem(api.get("/transactions?limit=101"), 400, "invalid-parameter");
    assertProblem(api.get("/transactions?after=garbage"), 400, "invalid-cursor");
    assertProblem(api.get("/accounts?before=djE6MTox"), 400, "invalid-cursor");
    assertProblem(
        api.get("/transactions?after=" + cursor + "&before=" + cursor), 400, "invalid-parameter");
    assertProblem(api.get("/transactions?state=SETTLED"), 400, "invalid-parameter");
    assertProblem(api.get("/transactions?accountId=42"), 400, "invalid-parameter");
    assertProblem(api.get("/transactions?createdFrom=yesterday"), 400, "invalid-parameter");
    assertProblem(
        api.get("/transactions?createdTo=%2B100000-01-01T00:00:00Z"), 400, "invalid-parameter");
    assertProblem(
        api.get("/transactions?createdFrom=2026-12-02T00:00:00Z&createdTo=2026-12-01T00:00:00Z"),
        400,
        "invalid-parameter");
  }

  private List<String> ids(String path) {
    return api.all(path).stream().map(t -> t.get("id").asString()).toList();
  }

  /** {@code count} payments of 1 cent, submitted by 8 concurrent callers; their ids. */
  private Set<String> submit(int count, String keyPrefix) throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> ids =
          IntStream.range(0, count)
              .mapToObj(
                  i -> callers.submit(() -> id(api.submit(keyPrefix + i, payment(accountId, 1)))))
              .toList();
      Set<String> submitted = new HashSet<>();
      for (Future<String> id : ids) {
        submitted.add(id.get());
      }
      return submitted;
    } finally {
      callers.shutdown();
    }
  }
}
