package dev.onceflow.benchmark;

import java.util.Arrays;

/** Recorded latencies in nanoseconds; percentiles from the sorted samples (no bucketing error). */
final class Latencies {

  private long[] samples = new long[4096];
  private int size;

  synchronized void add(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  void addAll(Latencies other) {
    synchronized (other) {
      for (int i = 0; i < other.size; i++) {
        add(other.samples[i]);
      }
    }
  }

  synchronized int count() {
    return size;
  }

  /** The q-quantile (0..1) in milliseconds, or NaN without samples. */
  synchronized double millis(double q) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(samples, size);
    Arrays.sort(sorted);
    int index = (int) Math.min(size - 1, Math.ceil(q * size) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }
}
