package io.etch.snapshot;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.authpb.Role;
import io.etch.api.authpb.User;
import io.etch.api.mvccpb.KeyValue;
import io.etch.auth.AuthStore;
import io.etch.lease.Lessor;
import io.etch.mvcc.MvccStore;
import io.etch.mvcc.Revision;
import io.etch.storage.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.rocksdb.WriteBatch;

/**
 * Reads an etcd snapshot file (what {@code etcdctl snapshot save} writes, or an etcd member's
 * {@code member/snap/db}) into an empty Etch store: every revision of bucket {@code key} as it was
 * (keys, values, create and mod revisions, versions, leases, tombstones), the compaction marks,
 * leases, users, roles and whether auth is on. The membership is not taken: the restored member
 * gets the one its flags describe, as with {@code etcdutl snapshot restore}; nor are alarms.
 * Everything is checked before the store is written, so a bad file leaves nothing behind.
 */
public final class EtcdSnapshotRestore {
    private static final int BATCH = 10_000;

    /** What was restored. */
    public record Summary(long revision, long revisions, long leases, long users, long roles, boolean authEnabled) {
    }

    private EtcdSnapshotRestore() {
    }

    /**
     * Checks the SHA-256 etcd appends to a snapshot it sends (the last 32 bytes of a file whose size
     * is 32 more than a multiple of 512); a file without one (an etcd member's own db file) is
     * refused unless {@code skipHashCheck}, as etcdutl refuses it.
     */
    public static void verifyHash(Path file, boolean skipHashCheck) throws IOException {
        long size = Files.size(file);
        boolean hasHash = size % 512 == 32;
        if (!hasHash) {
            if (!skipHashCheck) {
                throw new BoltReader.BoltFormatException("snapshot missing hash but --skip-hash-check=false");
            }
            return;
        }
        if (skipHashCheck) {
            return;
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] expected = new byte[32];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
            long left = size - 32;
            byte[] chunk = new byte[64 * 1024];
            while (left > 0) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
                if (n < 0) {
                    throw new BoltReader.BoltFormatException("snapshot file ended early");
                }
                sha.update(chunk, 0, n);
                left -= n;
            }
            if (in.readNBytes(expected, 0, 32) != 32) {
                throw new BoltReader.BoltFormatException("snapshot file ended early");
            }
        }
        byte[] actual = sha.digest();
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new BoltReader.BoltFormatException("expected sha256 " + HexFormat.of().formatHex(expected)
                    + ", got " + HexFormat.of().formatHex(actual));
        }
    }

    /**
     * Reads the file into {@code target}, an empty store directory that is created here. With
     * {@code bumpRevision} above 0 the store's revision moves that far past the file's latest, and
     * everything up to it counts as compacted (etcdutl's --bump-revision with --mark-compacted), so
     * that clients watching from a revision they saw before never see one again.
     */
    public static Summary restore(Path file, Path target, long bumpRevision) throws IOException {
        try (BoltReader db = BoltReader.open(file)) {
            List<String> buckets = db.buckets();
            if (!buckets.contains("key") || !buckets.contains("meta")) {
                throw new BoltReader.BoltFormatException("not an etcd backend: buckets " + buckets
                        + " lack etcd's \"key\" and \"meta\"");
            }
            // A first pass checks every entry, so that a bad file is refused before anything is written.
            read(db, null);
            try (Backend backend = Backend.open(target)) {
                Summary s = read(db, backend);
                if (bumpRevision > 0) {
                    long bumped = s.revision() + bumpRevision;
                    try (WriteBatch batch = new WriteBatch()) {
                        MvccStore.importCompactions(backend, batch, new MvccStore.Compactions(bumped, -1));
                        backend.write(batch);
                    }
                    s = new Summary(bumped, s.revisions(), s.leases(), s.users(), s.roles(), s.authEnabled());
                }
                backend.flush();
                return s;
            }
        }
    }

    /** Reads (and checks) every bucket Etch takes; writes into {@code backend} unless it is null. */
    private static Summary read(BoltReader db, Backend backend) throws IOException {
        long[] revision = {1, 0};
        Batches out = new Batches(backend);
        db.forEach("key", (k, v) -> {
            if ((k.length != 17 && k.length != 18) || k[8] != '_' || (k.length == 18 && k[17] != 't')) {
                throw new BoltReader.BoltFormatException("bucket key: " + HexFormat.of().formatHex(k)
                        + " is not an etcd revision key");
            }
            ByteBuffer b = ByteBuffer.wrap(k);
            Revision rev = new Revision(b.getLong(0), b.getLong(9));
            revision[0] = Math.max(revision[0], rev.main());
            if (v.length == 0) {
                return true; // etcdutl's mark of a bumped revision, compacted away at the next start
            }
            KeyValue kv = parse(v, KeyValue.parser(), "bucket key, revision " + rev);
            // A tombstone holds only the key, as etcd writes it; a put the whole KeyValue of its revision.
            if (kv.getKey().isEmpty() || (k.length == 17 && kv.getModRevision() != rev.main())) {
                throw new BoltReader.BoltFormatException("bucket key, revision " + rev + ": not the KeyValue of that revision");
            }
            revision[1]++;
            if (backend != null) {
                MvccStore.importRevision(backend, out.batch(), rev, k.length == 18, v);
                out.count();
            }
            return true;
        });
        long[] compactions = {-1, -1};
        db.forEach("meta", (k, v) -> {
            String name = new String(k, UTF_8);
            int which = name.equals("scheduledCompactRev") ? 0 : name.equals("finishedCompactRev") ? 1 : -1;
            if (which >= 0) {
                if (v.length != 17) {
                    throw new BoltReader.BoltFormatException("bucket meta: " + name + " is not a revision");
                }
                compactions[which] = ByteBuffer.wrap(v).getLong();
            }
            return true;
        });
        if (backend != null) {
            MvccStore.importCompactions(backend, out.batch(), new MvccStore.Compactions(compactions[0], compactions[1]));
        }
        long[] leases = {0};
        db.forEach("lease", (k, v) -> {
            Lessor.StoredLease lease = lease(k, v);
            leases[0]++;
            if (backend != null) {
                Lessor.store(backend, out.batch(), lease);
                out.count();
            }
            return true;
        });
        List<User> users = new ArrayList<>();
        db.forEach("authUsers", (k, v) -> users.add(parse(v, User.parser(), "bucket authUsers, " + new String(k, UTF_8))));
        List<Role> roles = new ArrayList<>();
        db.forEach("authRoles", (k, v) -> roles.add(parse(v, Role.parser(), "bucket authRoles, " + new String(k, UTF_8))));
        boolean[] enabled = {false};
        long[] authRevision = {1};
        db.forEach("auth", (k, v) -> {
            String name = new String(k, UTF_8);
            if (name.equals("authEnabled")) {
                enabled[0] = v.length == 1 && v[0] == 1;
            } else if (name.equals("authRevision") && v.length == 8) {
                authRevision[0] = ByteBuffer.wrap(v).getLong();
            }
            return true;
        });
        if (backend != null) {
            AuthStore.store(backend, out.batch(), new AuthStore.Stored(enabled[0], authRevision[0], users, roles));
            out.flush();
        }
        return new Summary(revision[0], revision[1], leases[0], users.size(), roles.size(), enabled[0]);
    }

    /** etcd's leasepb.Lease (ID = 1, TTL = 2, RemainingTTL = 3), under its 8-byte id. */
    private static Lessor.StoredLease lease(byte[] k, byte[] v) throws IOException {
        if (k.length != 8) {
            throw new BoltReader.BoltFormatException("bucket lease: key " + HexFormat.of().formatHex(k) + " is not a lease id");
        }
        long id = 0;
        long ttl = 0;
        long remaining = 0;
        CodedInputStream in = CodedInputStream.newInstance(v);
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag) {
                    case 8 -> id = in.readInt64();
                    case 16 -> ttl = in.readInt64();
                    case 24 -> remaining = in.readInt64();
                    default -> in.skipField(tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new BoltReader.BoltFormatException("bucket lease: lease " + HexFormat.of().formatHex(k) + " unreadable");
        }
        if (id != ByteBuffer.wrap(k).getLong()) {
            throw new BoltReader.BoltFormatException("bucket lease: lease " + HexFormat.of().formatHex(k) + " holds id " + id);
        }
        return new Lessor.StoredLease(id, ttl, remaining);
    }

    private static <T> T parse(byte[] v, com.google.protobuf.Parser<T> parser, String where) throws IOException {
        try {
            return parser.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
            throw new BoltReader.BoltFormatException(where + ": unreadable (" + e.getMessage() + ")");
        }
    }

    /** Write batches of at most {@link #BATCH} entries. */
    private static final class Batches {
        private final Backend backend;
        private WriteBatch batch;
        private int entries;

        Batches(Backend backend) {
            this.backend = backend;
        }

        WriteBatch batch() {
            if (batch == null) {
                batch = new WriteBatch();
            }
            return batch;
        }

        void count() {
            if (++entries >= BATCH) {
                flush();
            }
        }

        void flush() {
            if (batch != null) {
                backend.write(batch);
                batch.close();
                batch = null;
                entries = 0;
            }
        }
    }
}
