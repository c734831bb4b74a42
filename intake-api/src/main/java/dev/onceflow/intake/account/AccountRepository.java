package dev.onceflow.intake.account;

import dev.onceflow.model.Account;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.repository.Repository;

public interface AccountRepository extends Repository<Account, UUID> {

  Optional<Account> findByIdAndClientId(UUID id, UUID clientId);

  List<Account> findByIdIn(Collection<UUID> ids);
}
