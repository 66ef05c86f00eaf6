package io.etch.membership;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.raftpb.ClusterMembers;
import io.etch.api.raftpb.MemberAttributes;
import io.etch.api.raftpb.MemberChange;
import io.etch.api.raftpb.StoredMember;
import io.etch.errors.EtcdError;
import io.etch.storage.Backend;
import io.etch.storage.StorageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's membership as apply knows it, kept in the members column family and changed only
 * by apply: each member's id, peer URLs and learner flag (its raft attributes), what each member
 * published about itself (name and client URLs), and the ids removed for good. Readers get an
 * immutable {@link Membership} that apply replaces.
 */
public final class MemberStore {
    private static final Logger log = LoggerFactory.getLogger(MemberStore.class);
    private static final String ATTRIBUTES = "attributes/";
    private static final String MEMBER = "member/";
    private static final String REMOVED = "removed/";

    private final Backend backend;
    private volatile Membership current;

    private MemberStore(Backend backend, Membership current) {
        this.backend = backend;
        this.current = current;
    }

    public static MemberStore open(Backend backend) {
        return new MemberStore(backend, load(backend));
    }

    /** Loads the membership again after the backend was replaced with another member's checkpoint. */
    public void restore() {
        current = load(backend);
    }

    private static Membership load(Backend backend) {
        Map<Long, MemberAttributes> attributes = new HashMap<>();
        Map<Long, StoredMember> members = new HashMap<>();
        Set<Long> removed = new HashSet<>();
        backend.forEach(Backend.Column.MEMBERS, new byte[0], null, (k, v) -> {
            String key = new String(k, UTF_8);
            try {
                if (key.startsWith(ATTRIBUTES)) {
                    MemberAttributes a = MemberAttributes.parseFrom(v);
                    attributes.put(a.getMemberId(), a);
                } else if (key.startsWith(MEMBER)) {
                    StoredMember m = StoredMember.parseFrom(v);
                    members.put(m.getId(), m);
                } else if (key.startsWith(REMOVED)) {
                    removed.add(Long.parseUnsignedLong(key.substring(REMOVED.length()), 16));
                }
            } catch (InvalidProtocolBufferException | NumberFormatException e) {
                throw new StorageException("unreadable membership record under " + key, e);
            }
            return true;
        });
        return new Membership(members, removed, attributes);
    }

    /** The membership as of the last applied entry. */
    public Membership current() {
        return current;
    }

    /** The attributes each member last published, by member id. */
    public Map<Long, MemberAttributes> attributes() {
        return current.attributes();
    }

    /**
     * Records a member's attributes in the apply's write batch; visible to readers from now on. As
     * etcd, the attributes of a member that was removed meanwhile are dropped.
     */
    public void publish(WriteBatch batch, MemberAttributes a) {
        Membership m = current;
        if (m.removed().contains(a.getMemberId())) {
            log.warn("skipped publishing attributes of removed member {}", Long.toHexString(a.getMemberId()));
            return;
        }
        backend.put(batch, Backend.Column.MEMBERS, key(ATTRIBUTES, a.getMemberId()), a.toByteArray());
        Map<Long, MemberAttributes> next = new HashMap<>(m.attributes());
        next.put(a.getMemberId(), a);
        current = new Membership(m.members(), m.removed(), next);
    }

    /**
     * Checks the change against the membership at this point of the log (etcd's
     * ValidateConfigurationChange) and applies it. A refused change throws before anything changed.
     */
    public void apply(WriteBatch batch, MemberChange change) {
        Membership m = current;
        Map<Long, StoredMember> members = new HashMap<>(m.members());
        Set<Long> removed = new HashSet<>(m.removed());
        Map<Long, MemberAttributes> attributes = m.attributes();
        switch (change.getChangeCase()) {
            case BOOTSTRAP -> {
                if (!members.isEmpty() || !removed.isEmpty()) {
                    return; // only the first bootstrap entry of the log counts
                }
                for (StoredMember s : change.getBootstrap().getMembersList()) {
                    members.put(s.getId(), s);
                    backend.put(batch, Backend.Column.MEMBERS, key(MEMBER, s.getId()), s.toByteArray());
                }
                log.info("bootstrapped membership: {}", ids(members.keySet()));
            }
            case ADD -> {
                StoredMember add = change.getAdd();
                checkNotRemoved(removed, add.getId());
                if (members.containsKey(add.getId())) {
                    throw EtcdError.MEMBER_EXIST.exception();
                }
                checkPeerUrlsFree(members, add.getId(), add.getPeerUrlsList());
                if (add.getIsLearner() && m.learnerCount() + 1 > change.getMaxLearners()) {
                    throw EtcdError.TOO_MANY_LEARNERS.exception();
                }
                members.put(add.getId(), add);
                backend.put(batch, Backend.Column.MEMBERS, key(MEMBER, add.getId()), add.toByteArray());
                log.info("added member {} peer-urls={} is-learner={}", Long.toHexString(add.getId()),
                        add.getPeerUrlsList(), add.getIsLearner());
            }
            case REMOVE -> {
                long id = change.getRemove();
                checkNotRemoved(removed, id);
                if (!members.containsKey(id)) {
                    throw EtcdError.MEMBER_NOT_FOUND.exception();
                }
                members.remove(id);
                removed.add(id);
                backend.delete(batch, Backend.Column.MEMBERS, key(MEMBER, id));
                backend.put(batch, Backend.Column.MEMBERS, key(REMOVED, id), new byte[0]);
                if (attributes.containsKey(id)) {
                    attributes = new HashMap<>(attributes);
                    attributes.remove(id);
                    backend.delete(batch, Backend.Column.MEMBERS, key(ATTRIBUTES, id));
                }
                log.info("removed member {}", Long.toHexString(id));
            }
            case UPDATE -> {
                StoredMember update = change.getUpdate();
                checkNotRemoved(removed, update.getId());
                StoredMember old = members.get(update.getId());
                if (old == null) {
                    throw EtcdError.MEMBER_NOT_FOUND.exception();
                }
                checkPeerUrlsFree(members, update.getId(), update.getPeerUrlsList());
                StoredMember next = old.toBuilder().clearPeerUrls().addAllPeerUrls(update.getPeerUrlsList()).build();
                members.put(next.getId(), next);
                backend.put(batch, Backend.Column.MEMBERS, key(MEMBER, next.getId()), next.toByteArray());
                log.info("updated member {} peer-urls={}", Long.toHexString(next.getId()), next.getPeerUrlsList());
            }
            case PROMOTE -> {
                long id = change.getPromote();
                checkNotRemoved(removed, id);
                StoredMember old = members.get(id);
                if (old == null) {
                    throw EtcdError.MEMBER_NOT_FOUND.exception();
                }
                if (!old.getIsLearner()) {
                    throw EtcdError.MEMBER_NOT_LEARNER.exception();
                }
                StoredMember next = old.toBuilder().setIsLearner(false).build();
                members.put(id, next);
                backend.put(batch, Backend.Column.MEMBERS, key(MEMBER, id), next.toByteArray());
                log.info("promoted member {}", Long.toHexString(id));
            }
            case CHANGE_NOT_SET -> throw EtcdError.INTERNAL.exception();
        }
        current = new Membership(members, removed, attributes);
    }

    private static void checkNotRemoved(Set<Long> removed, long id) {
        if (removed.contains(id)) {
            throw EtcdError.MEMBER_NOT_FOUND.exception(); // etcd maps "ID removed" to "member not found"
        }
    }

    private static void checkPeerUrlsFree(Map<Long, StoredMember> members, long self, List<String> urls) {
        for (StoredMember other : members.values()) {
            if (other.getId() == self) {
                continue;
            }
            for (String u : urls) {
                if (other.getPeerUrlsList().contains(u)) {
                    throw EtcdError.PEER_URL_EXIST.exception();
                }
            }
        }
    }

    private static List<String> ids(Set<Long> ids) {
        List<String> out = new ArrayList<>();
        ids.forEach(id -> out.add(Long.toHexString(id)));
        Collections.sort(out);
        return out;
    }

    private static byte[] key(String prefix, long memberId) {
        return (prefix + String.format("%016x", memberId)).getBytes(UTF_8);
    }

    /**
     * One consistent view of the membership.
     *
     * @param members    the current members by id (empty until the bootstrap entry is applied)
     * @param removed    ids removed for good; they never come back
     * @param attributes what members published, by id
     */
    public record Membership(Map<Long, StoredMember> members, Set<Long> removed,
                             Map<Long, MemberAttributes> attributes) {
        public Membership {
            members = Collections.unmodifiableMap(new HashMap<>(members));
            removed = Collections.unmodifiableSet(new HashSet<>(removed));
            attributes = Collections.unmodifiableMap(new HashMap<>(attributes));
        }

        public long learnerCount() {
            return members.values().stream().filter(StoredMember::getIsLearner).count();
        }

        public boolean isLearner(long id) {
            StoredMember m = members.get(id);
            return m != null && m.getIsLearner();
        }

        /** etcd's IsStarted: the member published its name. */
        public boolean isStarted(long id) {
            MemberAttributes a = attributes.get(id);
            return a != null && !a.getName().isEmpty();
        }

        /** The membership as sent to a member that joins. */
        public ClusterMembers toProto(long clusterId) {
            return ClusterMembers.newBuilder().setClusterId(clusterId).addAllMembers(members.values())
                    .addAllRemoved(removed).build();
        }
    }
}
