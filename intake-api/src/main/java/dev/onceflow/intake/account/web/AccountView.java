package dev.onceflow.intake.account.web;

import dev.onceflow.model.Account;
import java.time.Instant;
import java.util.UUID;

/** An account as its client (and the admin API) sees it. */
public record AccountView(
    UUID id,
    String currency,
    UUID clientId,
    long openingBalance,
    long balance,
    long reserved,
    long available,
    Instant createdAt,
    Instant updatedAt) {

  public static AccountView of(Account account) {
    return new AccountView(
        account.getId(),
        account.getCurrency(),
        account.getClientId(),
        account.getOpeningBalance(),
        account.getBalance(),
        account.getReserved(),
        account.getAvailable(),
        account.getCreatedAt(),
        account.getUpdatedAt());
  }
}
