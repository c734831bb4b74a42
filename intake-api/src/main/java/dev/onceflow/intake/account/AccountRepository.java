package dev.onceflow.intake.account;

import dev.onceflow.model.Account;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.Repository;
import org.springframework.data.repository.query.Param;

public interface AccountRepository extends Repository<Account, UUID> {

  Account save(Account account);

  Optional<Account> findByIdAndClientId(UUID id, UUID clientId);

  List<Account> findByClientIdOrderByCreatedAt(UUID clientId);

  /** Creates the account unless one with this id exists; returns the rows inserted. */
  @Modifying
  @Query(
      value =
          """
          INSERT INTO accounts (id, client_id, currency, opening_balance, balance, reserved, version,
                                created_at, updated_at)
          VALUES (:id, :clientId, :currency, :openingBalance, :openingBalance, 0, 0, :now, :now)
          ON CONFLICT DO NOTHING
          """,
      nativeQuery = true)
  int insertIfAbsent(
      @Param("id") UUID id,
      @Param("clientId") UUID clientId,
      @Param("currency") String currency,
      @Param("openingBalance") long openingBalance,
      @Param("now") Instant now);
}
