package io.etch.bench;

/**
 * At most {@code rate} requests per second, evenly spaced, as etcd's tool limits with a token
 * bucket of burst 1 ({@code --rate}): each request may start one interval after the previous
 * one's slot, or at once if that slot is already past (unused time does not build up a burst).
 */
final class RateLimiter {
    private final long intervalNanos;
    private long next = Long.MIN_VALUE;

    RateLimiter(int rate) {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be positive, got " + rate);
        }
        this.intervalNanos = Math.max(1, 1_000_000_000L / rate);
    }

    /** A rate for a flag where 0 means unlimited: null then. */
    static RateLimiter ofFlag(int rate) {
        if (rate < 0) {
            throw new IllegalArgumentException("expected non-negative --rate, got (" + rate + ")");
        }
        return rate == 0 ? null : new RateLimiter(rate);
    }

    /** Reserves the next slot; returns when (in {@link System#nanoTime} terms) the request may start. */
    synchronized long reserve(long nowNanos) {
        long slot = next == Long.MIN_VALUE || next - nowNanos < 0 ? nowNanos : next;
        next = slot + intervalNanos;
        return slot;
    }
}
