package io.etch.snapshot;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.CodedOutputStream;
import io.etch.alarm.AlarmStore;
import io.etch.api.authpb.Role;
import io.etch.api.authpb.User;
import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.raftpb.MemberAttributes;
import io.etch.api.raftpb.StoredMember;
import io.etch.auth.AuthStore;
import io.etch.lease.Lessor;
import io.etch.membership.MemberStore;
import io.etch.mvcc.MvccStore;
import io.etch.mvcc.Revision;
import io.etch.storage.Backend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Writes what a store holds as etcd 3.5 keeps it in its bbolt backend, the file {@code etcdctl
 * snapshot save} receives and {@code etcdutl snapshot restore} reads: every stored revision in
 * bucket {@code key} (etcd's 17-byte revision keys, 18 with the tombstone mark, each to its
 * mvccpb.KeyValue), compaction marks and the applied index in {@code meta}, leases, users and
 * roles, members, alarms and the cluster version. Reads a backend nobody writes to (a checkpoint).
 */
public final class EtcdSnapshotWriter {
    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;

    /** What was written: the store's revision, the number of keys in all buckets, the file's size. */
    public record Summary(long revision, long totalKeys, long size) {
    }

    private EtcdSnapshotWriter() {
    }

    /** Writes {@code backend}'s data to a new file {@code target}. */
    public static Summary write(Backend backend, Path target, String clusterVersion) throws IOException {
        long[] counts = {0, 1}; // keys, revision (1 on an empty store, as etcd's)
        try (BoltWriter out = new BoltWriter(target)) {
            sorted(out, "alarm", AlarmStore.open(backend).all(), a -> entry(a.toByteArray(), new byte[0]), counts);
            AuthStore.Stored auth = AuthStore.storedIn(backend);
            List<byte[][]> authEntries = new ArrayList<>();
            authEntries.add(entry(bytes("authEnabled"), new byte[] {(byte) (auth.enabled() ? 1 : 0)}));
            authEntries.add(entry(bytes("authRevision"), longBytes(auth.revision())));
            sorted(out, "auth", authEntries, e -> e, counts);
            sorted(out, "authRoles", auth.roles(), (Role r) -> entry(r.getName().toByteArray(), r.toByteArray()), counts);
            sorted(out, "authUsers", auth.users(), (User u) -> entry(u.getName().toByteArray(), u.toByteArray()), counts);
            List<byte[][]> cluster = new ArrayList<>();
            cluster.add(entry(bytes("clusterVersion"), bytes(clusterVersion)));
            sorted(out, "cluster", cluster, e -> e, counts);
            out.bucket("key");
            backend.forEach(Backend.Column.KV, null, null, (k, v) -> {
                Revision rev = Revision.fromBytes(k);
                byte[] key = new byte[Revision.isTombstone(k) ? 18 : 17];
                ByteBuffer.wrap(key).putLong(rev.main()).put((byte) '_').putLong(rev.sub());
                if (key.length == 18) {
                    key[17] = 't';
                }
                put(out, key, v);
                counts[0]++;
                counts[1] = rev.main();
                return true;
            });
            sorted(out, "lease", Lessor.storedIn(backend), l -> entry(longBytes(l.id()), lease(l)), counts);
            MemberStore.Membership members = MemberStore.open(backend).current();
            sorted(out, "members", List.copyOf(members.members().values()),
                    m -> entry(bytes(Long.toHexString(m.getId())), bytes(memberJson(m, members.attributes().get(m.getId())))),
                    counts);
            sorted(out, "members_removed", List.copyOf(members.removed()),
                    id -> entry(bytes(Long.toHexString(id)), bytes("removed")), counts);
            long[] applied = MvccStore.appliedIn(backend);
            MvccStore.Compactions compactions = MvccStore.compactionsIn(backend);
            List<byte[][]> meta = new ArrayList<>();
            meta.add(entry(bytes("consistent_index"), longBytes(applied[1])));
            meta.add(entry(bytes("term"), longBytes(applied[0])));
            if (compactions.scheduled() >= 0) {
                meta.add(entry(bytes("scheduledCompactRev"), revisionBytes(compactions.scheduled())));
            }
            if (compactions.finished() >= 0) {
                meta.add(entry(bytes("finishedCompactRev"), revisionBytes(compactions.finished())));
            }
            sorted(out, "meta", meta, e -> e, counts);
            long size = out.finish();
            return new Summary(counts[1], counts[0], size);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** One bucket from items in any order: etcd's buckets are sorted by key bytes. */
    private static <T> void sorted(BoltWriter out, String bucket, List<T> items, Function<T, byte[][]> entry, long[] counts)
            throws IOException {
        out.bucket(bucket);
        List<byte[][]> entries = new ArrayList<>();
        for (T item : items) {
            entries.add(entry.apply(item));
        }
        entries.sort((a, b) -> UNSIGNED.compare(a[0], b[0]));
        for (byte[][] e : entries) {
            out.put(e[0], e[1]);
            counts[0]++;
        }
    }

    private static void put(BoltWriter out, byte[] key, byte[] value) {
        try {
            out.put(key, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[][] entry(byte[] key, byte[] value) {
        return new byte[][] {key, value};
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    /** etcd's revision key for a compaction mark: main revision, '_', sub revision 0. */
    private static byte[] revisionBytes(long main) {
        return ByteBuffer.allocate(17).putLong(main).put((byte) '_').putLong(0).array();
    }

    /** etcd's leasepb.Lease: ID = 1, TTL = 2, RemainingTTL = 3, int64 each. */
    private static byte[] lease(Lessor.StoredLease l) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            if (l.id() != 0) {
                out.writeInt64(1, l.id());
            }
            if (l.ttl() != 0) {
                out.writeInt64(2, l.ttl());
            }
            if (l.remainingTtl() != 0) {
                out.writeInt64(3, l.remainingTtl());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** etcd's membership.Member as JSON: id, peerURLs, isLearner, name and clientURLs when set. */
    static String memberJson(StoredMember m, MemberAttributes a) {
        StringBuilder json = new StringBuilder("{\"id\":").append(Long.toUnsignedString(m.getId()))
                .append(",\"peerURLs\":").append(jsonStrings(m.getPeerUrlsList()));
        if (m.getIsLearner()) {
            json.append(",\"isLearner\":true");
        }
        if (a != null && !a.getName().isEmpty()) {
            json.append(",\"name\":").append(jsonString(a.getName()));
        }
        if (a != null && a.getClientUrlsCount() > 0) {
            json.append(",\"clientURLs\":").append(jsonStrings(a.getClientUrlsList()));
        }
        return json.append('}').toString();
    }

    private static String jsonStrings(List<String> values) {
        StringBuilder s = new StringBuilder("[");
        for (String v : values) {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append(jsonString(v));
        }
        return s.append(']').toString();
    }

    private static String jsonString(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }
}
