package dev.onceflow.intake.transaction;

import dev.onceflow.intake.client.AuthenticatedClient;
import dev.onceflow.intake.paging.Keyset;
import dev.onceflow.intake.paging.Page;
import dev.onceflow.intake.paging.PageRequest;
import dev.onceflow.model.PaymentTransaction;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Reads of a client's own transactions. The long poll lives in {@link TransactionWatcher}. */
@Service
public class TransactionQueries {

  private final TransactionRepository transactions;
  private final Keyset keyset;

  TransactionQueries(TransactionRepository transactions, JdbcClient jdbc) {
    this.transactions = transactions;
    this.keyset = new Keyset(jdbc);
  }

  public Optional<PaymentTransaction> find(AuthenticatedClient client, UUID id) {
    return transactions.findByIdAndClientId(id, client.id());
  }

  /** One page of the client's transactions, newest first. */
  public Page<PaymentTransaction> list(
      AuthenticatedClient client, TransactionFilter filter, PageRequest request) {
    Map<String, Object> params = new HashMap<>();
    String from = filter.from(client.id(), params);
    return keyset.rows(
        from,
        params,
        "created_at",
        Keyset.Order.NEWEST_FIRST,
        request,
        transactions::findByIdIn,
        PaymentTransaction::getId);
  }
}
