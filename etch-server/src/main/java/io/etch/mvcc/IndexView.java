package io.etch.mvcc;

import com.google.protobuf.ByteString;

/** Read access to the key index: key → {@link KeyIndex}, in unsigned byte order of keys. */
interface IndexView {
    /** The key's index, or null if the key has no revisions. */
    KeyIndex get(ByteString key);

    /** The indexes of keys in {@code [key, end)} ascending; an empty {@code end} means no upper bound. */
    Iterable<KeyIndex> range(ByteString key, ByteString end);
}
