package io.etch.bench;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;

/**
 * Benchmark keys and values as etcd's tool makes them. A key is Go's {@code binary.PutVarint} of
 * a number into a {@code size}-byte buffer; etcd's tool reuses one buffer, so a short varint may
 * keep bytes of a longer one before it, whereas these keys are always zero-padded: key number n
 * is the same key every time, and {@code --key-space-size} is exactly the number of keys.
 */
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

    static ByteString keyBytes(int size, long n) {
        return ByteString.copyFrom(key(size, n));
    }

    /** Null if {@code keySize} holds every number below {@code keySpaceSize}, else the error message. */
    static String checkKeySize(int keySize, int keySpaceSize) {
        int needed = varintLength(zigZag(keySpaceSize - 1L));
        if (keySize < needed) {
            return "--key-size " + keySize + " is too small for --key-space-size " + keySpaceSize
                + " (needs " + needed + " bytes)";
        }
        return null;
    }

    /** {@code size} random bytes, the one value every request of a run carries (as etcd's tool). */
    static ByteString randomValue(int size) {
        byte[] v = new byte[size];
        new SecureRandom().nextBytes(v);
        return ByteString.copyFrom(v);
    }
}
