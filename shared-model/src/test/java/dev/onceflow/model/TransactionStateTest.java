package dev.onceflow.model;

import static dev.onceflow.model.TransactionState.CANCELLED;
import static dev.onceflow.model.TransactionState.COMPLETED;
import static dev.onceflow.model.TransactionState.DRAFT;
import static dev.onceflow.model.TransactionState.FAILED;
import static dev.onceflow.model.TransactionState.PENDING;
import static dev.onceflow.model.TransactionState.PROCESSING;
import static dev.onceflow.model.TransactionState.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransactionStateTest {

  private static final Set<String> ALLOWED =
      Set.of(
          "DRAFT->PENDING",
          "DRAFT->FAILED",
          "DRAFT->CANCELLED",
          "PENDING->PROCESSING",
          "PENDING->CANCELLED",
          "PROCESSING->PENDING",
          "PROCESSING->COMPLETED",
          "PROCESSING->FAILED",
          "PROCESSING->UNKNOWN",
          "UNKNOWN->COMPLETED",
          "UNKNOWN->FAILED",
          "FAILED->PENDING");

  @Test
  void allowsExactlyTheDesignedTransitionsForEveryPairOfStates() {
    for (TransactionState from : TransactionState.values()) {
      for (TransactionState to : TransactionState.values()) {
        assertThat(from.canBecome(to))
            .as(from + "->" + to)
            .isEqualTo(ALLOWED.contains(from + "->" + to));
      }
    }
  }

  @Test
  void completedFailedAndCancelledAreFinal() {
    assertThat(EnumSet.allOf(TransactionState.class).stream().filter(TransactionState::isFinal))
        .containsExactlyInAnyOrder(COMPLETED, FAILED, CANCELLED);
  }

  @Test
  void onlyAcceptedUnfinishedTransactionsHoldFunds() {
    assertThat(
            EnumSet.allOf(TransactionState.class).stream().filter(TransactionState::reservesFunds))
        .containsExactlyInAnyOrder(PENDING, PROCESSING, UNKNOWN);
    assertThat(DRAFT.reservesFunds()).isFalse();
    assertThat(DRAFT.isFinal()).isFalse();
  }

  @Test
  void nothingLeadsBackToADraft() {
    for (TransactionState from : TransactionState.values()) {
      assertThat(from.canBecome(DRAFT)).as(from + "->DRAFT").isFalse();
    }
  }

  @Test
  void eventTypesRoundTripTheirWireNames() {
    for (EventType type : EventType.values()) {
      assertThat(EventType.fromWireName(type.wireName())).isEqualTo(type);
    }
  }
}
