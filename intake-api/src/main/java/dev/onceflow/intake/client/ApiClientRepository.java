package dev.onceflow.intake.client;

import dev.onceflow.model.ApiClient;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.repository.Repository;

public interface ApiClientRepository extends Repository<ApiClient, UUID> {

  Optional<ApiClient> findById(UUID id);

  List<ApiClient> findByIdIn(Collection<UUID> ids);

  long count();
}
