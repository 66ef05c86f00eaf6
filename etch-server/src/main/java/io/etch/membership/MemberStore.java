package io.etch.membership;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.raftpb.MemberAttributes;
import io.etch.storage.Backend;
import io.etch.storage.StorageException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.rocksdb.WriteBatch;

/**
 * What each member published about itself (name and client URLs), kept in the members column
 * family and changed only by apply. Readers get an immutable map that apply replaces.
 */
public final class MemberStore {
    private static final String ATTRIBUTES = "attributes/";

    private final Backend backend;
    private volatile Map<Long, MemberAttributes> attributes;

    private MemberStore(Backend backend, Map<Long, MemberAttributes> attributes) {
        this.backend = backend;
        this.attributes = Collections.unmodifiableMap(attributes);
    }

    public static MemberStore open(Backend backend) {
        Map<Long, MemberAttributes> found = new HashMap<>();
        backend.forEach(Backend.Column.MEMBERS, ATTRIBUTES.getBytes(UTF_8), "attributes0".getBytes(UTF_8), (k, v) -> {
            try {
                MemberAttributes a = MemberAttributes.parseFrom(v);
                found.put(a.getMemberId(), a);
            } catch (InvalidProtocolBufferException e) {
                throw new StorageException("unreadable member attributes under " + new String(k, UTF_8), e);
            }
            return true;
        });
        return new MemberStore(backend, found);
    }

    /** The attributes each member last published, by member id. */
    public Map<Long, MemberAttributes> attributes() {
        return attributes;
    }

    /** Records a member's attributes in the apply's write batch; visible to readers from now on. */
    public void publish(WriteBatch batch, MemberAttributes a) {
        backend.put(batch, Backend.Column.MEMBERS, key(a.getMemberId()), a.toByteArray());
        Map<Long, MemberAttributes> next = new HashMap<>(attributes);
        next.put(a.getMemberId(), a);
        attributes = Collections.unmodifiableMap(next);
    }

    private static byte[] key(long memberId) {
        return (ATTRIBUTES + String.format("%016x", memberId)).getBytes(UTF_8);
    }
}
