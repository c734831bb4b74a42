package dev.onceflow.worker.settlement;

import java.util.TreeSet;

/**
 * Which records of one assigned partition are still unfinished, and so up to where its offset may
 * be committed: up to the lowest unfinished record, or past the highest record seen when all are
 * done. Records finish in any order; a commit never passes one that has not.
 *
 * <p>Confined to the consumer's poll thread: workers report finished records through a queue.
 */
final class PartitionProgress {

  private final TreeSet<Long> unfinished = new TreeSet<>();
  private long nextOffset = -1;
  private long committed = -1;

  /** A record was taken from the partition; it is unfinished until {@link #finished}. */
  void started(long offset) {
    unfinished.add(offset);
    nextOffset = Math.max(nextOffset, offset + 1);
  }

  void finished(long offset) {
    unfinished.remove(offset);
  }

  /** The offset to commit (the next record to read after a restart), or -1 if nothing was seen. */
  long committable() {
    return unfinished.isEmpty() ? nextOffset : unfinished.first();
  }

  /** Whether {@link #committable()} moved past what was last committed. */
  boolean hasNewCommit() {
    return committable() > committed;
  }

  void committed(long offset) {
    committed = Math.max(committed, offset);
  }

  int unfinishedCount() {
    return unfinished.size();
  }
}
