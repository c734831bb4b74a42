package dev.onceflow.intake.admin;

import dev.onceflow.intake.account.AccountStatements;
import dev.onceflow.intake.account.Currencies;
import dev.onceflow.intake.client.ApiClientRepository;
import dev.onceflow.intake.refusal.Refusal;
import dev.onceflow.model.Account;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Opens funded accounts for clients; an administrator's act, not a client's. */
@Service
public class AccountOpening {

  private final AccountStatements accounts;
  private final ApiClientRepository clients;
  private final AdminProperties properties;
  private final Clock clock;

  AccountOpening(
      AccountStatements accounts,
      ApiClientRepository clients,
      AdminProperties properties,
      Clock clock) {
    this.accounts = accounts;
    this.clients = clients;
    this.properties = properties;
    this.clock = clock;
  }

  /** A new account of {@code clientId} holding {@code openingBalance} minor units. */
  @Transactional
  public Account open(UUID clientId, String currency, Long openingBalance) {
    String code = Currencies.requirePayable(currency);
    if (openingBalance == null
        || openingBalance < 0
        || openingBalance > properties.maxOpeningBalance()) {
      throw Refusal.badRequest(
          "invalid-opening-balance",
          "Invalid opening balance",
          "'openingBalance' is required: zero or a positive integer of minor units, at most "
              + properties.maxOpeningBalance()
              + " (onceflow.admin.max-opening-balance).");
    }
    if (clients.findById(clientId).isEmpty()) {
      throw Refusal.notFound("client-not-found", "No client " + clientId + ".");
    }
    Account account =
        new Account(
            UUID.randomUUID(),
            clientId,
            code,
            openingBalance,
            clock.instant().truncatedTo(ChronoUnit.MICROS));
    if (!accounts.insertIfAbsent(account)) {
      throw new IllegalStateException("a new account's random id " + account.getId() + " is taken");
    }
    return account;
  }
}
