package io.etch.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lease ids chosen by the server (etcd's request id generator): the member id's low 16 bits,
 * then the start time in milliseconds and a counter in the low 48 bits. Ids never repeat on a
 * member as long as its clock does not go back across a restart, and members never share ids.
 */
final class LeaseIds {
    private static final long SUFFIX_MASK = (1L << 48) - 1;

    private final long prefix;
    private final AtomicLong suffix;

    LeaseIds(long memberId, long startMillis) {
        this.prefix = (memberId & 0xffff) << 48;
        this.suffix = new AtomicLong((startMillis << 24) & SUFFIX_MASK);
    }

    /** A new positive id. */
    long next() {
        while (true) {
            long id = (prefix | (suffix.incrementAndGet() & SUFFIX_MASK)) & Long.MAX_VALUE;
            if (id != 0) {
                return id;
            }
        }
    }
}
