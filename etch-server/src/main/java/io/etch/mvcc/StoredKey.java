package io.etch.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;

/**
 * What rebuilding the key index needs of a stored {@code mvccpb.KeyValue}: its key, create revision
 * and version, read without copying the value (most of the bytes) out of the record.
 */
record StoredKey(ByteString key, long createRevision, long version) {

    // mvccpb.KeyValue field numbers.
    private static final int KEY = 1;
    private static final int CREATE_REVISION = 2;
    private static final int VERSION = 4;

    static StoredKey parse(byte[] record, Revision rev) {
        ByteString key = ByteString.EMPTY;
        long create = 0;
        long version = 0;
        try {
            CodedInputStream in = CodedInputStream.newInstance(record);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag >>> 3) {
                    case KEY -> key = in.readBytes();
                    case CREATE_REVISION -> create = in.readInt64();
                    case VERSION -> version = in.readInt64();
                    default -> in.skipField(tag);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("corrupt kv entry at " + rev, e);
        }
        return new StoredKey(key, create, version);
    }
}
