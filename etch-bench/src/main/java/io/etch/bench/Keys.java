package io.etch.bench;

/** Benchmark keys as etcd's tool makes them: Go's {@code binary.PutVarint} into a zeroed buffer. */
final class Keys {
    private Keys() {
    }

    static long zigZag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    static int varintLength(long zigZagged) {
        int len = 1;
        while (Long.compareUnsigned(zigZagged, 0x80) >= 0) {
            zigZagged >>>= 7;
            len++;
        }
        return len;
    }

    /** A {@code size}-byte key: the signed varint of {@code n}, then zero bytes. */
    static byte[] key(int size, long n) {
        byte[] k = new byte[size];
        long u = zigZag(n);
        int i = 0;
        while (Long.compareUnsigned(u, 0x80) >= 0) {
            k[i++] = (byte) (u | 0x80);
            u >>>= 7;
        }
        k[i] = (byte) u;
        return k;
    }
}
