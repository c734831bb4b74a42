package dev.onceflow.bank.fault;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.random.RandomGenerator;

/**
 * The fault dice, scripted: each draw takes the next value the test queued. With nothing queued a
 * draw lands outside every fault, so unscripted calls behave.
 */
public final class ScriptedDice implements RandomGenerator {

  private final ConcurrentLinkedDeque<Object> draws = new ConcurrentLinkedDeque<>();

  /** Queues the next draws: Double for nextDouble, Integer for nextInt, Boolean, Long. */
  public ScriptedDice then(Object... values) {
    for (Object value : values) {
      draws.addLast(value);
    }
    return this;
  }

  public void clear() {
    draws.clear();
  }

  @Override
  public double nextDouble() {
    Object next = draws.pollFirst();
    return next == null ? 0.999_999 : (Double) next;
  }

  @Override
  public int nextInt(int bound) {
    Object next = draws.pollFirst();
    return next == null ? 0 : (Integer) next;
  }

  @Override
  public boolean nextBoolean() {
    Object next = draws.pollFirst();
    return next != null && (Boolean) next;
  }

  @Override
  public long nextLong(long bound) {
    Object next = draws.pollFirst();
    return next == null ? 0 : (Long) next;
  }

  @Override
  public long nextLong() {
    throw new UnsupportedOperationException("draw with a typed method");
  }
}
