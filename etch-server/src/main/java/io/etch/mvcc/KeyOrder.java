package io.etch.mvcc;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/**
 * etcd's order of keys and values: bytes compared unsigned, a prefix before its extensions.
 * Protobuf's own comparator walks both strings through allocated iterators and was the hottest
 * code of a put; this one reads the bytes in place.
 */
public final class KeyOrder {
    public static final Comparator<ByteString> UNSIGNED = KeyOrder::compare;

    private KeyOrder() {
    }

    public static int compare(ByteString a, ByteString b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            int c = (a.byteAt(i) & 0xff) - (b.byteAt(i) & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return a.size() - b.size();
    }
}
