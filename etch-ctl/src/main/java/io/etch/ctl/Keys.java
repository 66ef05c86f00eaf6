package io.etch.ctl;

import com.google.protobuf.ByteString;

/** Key ranges as clientv3 builds them. */
final class Keys {
    private Keys() {
    }

    /** clientv3.GetPrefixRangeEnd: the key after every key with this prefix ("\0" for all keys). */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if ((end[i] & 0xff) < 0xff) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }

    static ByteString of(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
