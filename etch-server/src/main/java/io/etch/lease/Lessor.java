package io.etch.lease;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.LeaseCheckpoint;
import io.etch.api.etcdserverpb.LeaseCheckpointRequest;
import io.etch.api.etcdserverpb.LeaseCheckpointResponse;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseRevokeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.errors.EtcdError;
import io.etch.mvcc.MvccStore;
import io.etch.mvcc.WriteTxn;
import io.etch.storage.Backend;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.WriteBatch;

/**
 * Owns every lease (etcd's lessor). Two sides:
 *
 * <ul>
 *   <li>apply (one thread, deterministic, no clock): grant, revoke (deleting the attached keys in
 *       the same revision), checkpoint, and key attachments taken from each entry's KV changes;
 *       persisted in the {@code lease} column family in the entry's write batch;
 *   <li>the leader ("primary"): expiry times on its own clock, renewals, which leases have
 *       expired and which remaining TTLs are due for a checkpoint. The server proposes revokes and
 *       checkpoints from those; followers never expire anything.
 * </ul>
 *
 * Thread-safe: one lock, held briefly.
 */
public final class Lessor {

    /** etcd's MaxLeaseTTL, in seconds. */
    public static final long MAX_TTL = 9_000_000_000L;
    private static final long NANOS = 1_000_000_000L;
    /** etcd re-proposes the revoke of an expired lease that is still there after this long. */
    private static final long REVOKE_RETRY_NANOS = 3 * NANOS;

    /** A lease as a client sees it through TimeToLive. */
    public record TimeToLive(long id, long ttl, long grantedTtl, List<ByteString> keys) {
    }

    /** A renewal: the lease's TTL, and whether its checkpointed remainder must be cleared through Raft. */
    public record Renewal(long ttl, boolean clearCheckpoint) {
    }

    private final Backend backend;
    private final long checkpointIntervalNanos;
    private final Map<Long, Lease> leases = new HashMap<>();
    private final Map<ByteString, Long> keyLease = new HashMap<>();
    private boolean primary;

    private Lessor(Backend backend, long checkpointIntervalNanos) {
        this.backend = backend;
        this.checkpointIntervalNanos = checkpointIntervalNanos;
    }

    /**
     * Loads the leases from {@code backend} and their keys from {@code store}.
     *
     * @param checkpointIntervalNanos how often the leader records remaining TTLs (etcd: 5 minutes)
     */
    public static Lessor open(Backend backend, MvccStore store, long checkpointIntervalNanos) {
        Lessor lessor = new Lessor(backend, checkpointIntervalNanos);
        lessor.load(store);
        return lessor;
    }

    /**
     * Loads the leases again after the store was replaced with another member's checkpoint. Only
     * a follower installs one; should it be the leader meanwhile, its leases start their TTLs over.
     */
    public synchronized void restore(MvccStore store, long now) {
        leases.clear();
        keyLease.clear();
        load(store);
        if (primary) {
            promote(0, now);
        }
    }

    private synchronized void load(MvccStore store) {
        backend.forEach(Backend.Column.LEASE, null, null, (k, v) -> {
            long id = ByteBuffer.wrap(k).getLong();
            ByteBuffer value = ByteBuffer.wrap(v);
            leases.put(id, new Lease(id, value.getLong(), value.getLong()));
            return true;
        });
        if (!leases.isEmpty()) {
            store.forEachLiveKey((key, lease) -> {
                if (lease != 0) {
                    attach(key, lease);
                }
            });
        }
    }

    // --- apply side ----------------------------------------------------------------------------

    /** Whether the lease exists (a put naming a missing lease fails). */
    public synchronized boolean exists(long leaseId) {
        return leases.containsKey(leaseId);
    }

    /** Grants a lease with the TTL as proposed (the proposer applied the minimum TTL rule). */
    public LeaseGrantResponse grant(WriteTxn txn, LeaseGrantRequest r) {
        if (r.getID() == 0) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        if (r.getTTL() > MAX_TTL) {
            throw EtcdError.LEASE_TTL_TOO_LARGE.exception();
        }
        Lease lease = new Lease(r.getID(), r.getTTL(), 0);
        synchronized (this) {
            if (leases.containsKey(lease.id)) {
                throw EtcdError.LEASE_EXIST.exception();
            }
            persist(txn, lease);
            leases.put(lease.id, lease);
        }
        return LeaseGrantResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(txn.revision()))
                .setID(lease.id)
                .setTTL(lease.ttl)
                .build();
    }

    /** Revokes a lease: its keys are deleted in this entry's revision, in key order. */
    public LeaseRevokeResponse revoke(WriteTxn txn, long id) {
        List<ByteString> keys;
        synchronized (this) {
            Lease lease = leases.get(id);
            if (lease == null) {
                throw EtcdError.LEASE_NOT_FOUND.exception();
            }
            keys = lease.keyList();
        }
        for (ByteString key : keys) {
            txn.deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
        }
        backend.delete(txn.batch(), Backend.Column.LEASE, idBytes(id));
        synchronized (this) {
            leases.remove(id);
        }
        return LeaseRevokeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(txn.revision()))
                .build();
    }

    /** Records remaining TTLs (0 clears one); unknown leases are skipped, as in etcd. */
    public LeaseCheckpointResponse checkpoint(WriteTxn txn, LeaseCheckpointRequest r) {
        synchronized (this) {
            for (LeaseCheckpoint cp : r.getCheckpointsList()) {
                Lease lease = leases.get(cp.getID());
                if (lease != null) {
                    lease.remainingTtl = Math.max(0, cp.getRemainingTTL());
                    persist(txn, lease);
                }
            }
        }
        return LeaseCheckpointResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(txn.revision()))
                .build();
    }

    /** Moves attachments along with the entry's KV changes: a put attaches (or moves), a delete detaches. */
    public synchronized void track(WriteTxn txn) {
        txn.forEachChange((key, lease, deleted) -> {
            Long old = keyLease.get(key);
            long before = old == null ? 0 : old;
            if (before == lease) {
                return;
            }
            if (before != 0) {
                keyLease.remove(key);
                Lease l = leases.get(before);
                if (l != null) {
                    l.keys.remove(key);
                }
            }
            if (lease != 0) {
                attach(key, lease);
            }
        });
    }

    private void attach(ByteString key, long id) {
        Lease l = leases.get(id);
        if (l != null) {
            l.keys.add(key);
            keyLease.put(key, id);
        }
    }

    private void persist(WriteTxn txn, Lease lease) {
        byte[] value = ByteBuffer.allocate(16).putLong(lease.ttl).putLong(lease.remainingTtl).array();
        backend.put(txn.batch(), Backend.Column.LEASE, idBytes(lease.id), value);
    }

    /** A lease as stored: id, granted TTL and last checkpointed remaining TTL (0: none), in seconds. */
    public record StoredLease(long id, long ttl, long remainingTtl) {
    }

    /** The leases stored in {@code backend} (a checkpoint, say), by id. */
    public static List<StoredLease> storedIn(Backend backend) {
        List<StoredLease> leases = new ArrayList<>();
        backend.forEach(Backend.Column.LEASE, null, null, (k, v) -> {
            ByteBuffer value = ByteBuffer.wrap(v);
            leases.add(new StoredLease(ByteBuffer.wrap(k).getLong(), value.getLong(), value.getLong()));
            return true;
        });
        return leases;
    }

    /** Writes a lease into a store that is not open yet (a restore from a snapshot file). */
    public static void store(Backend backend, WriteBatch batch, StoredLease lease) {
        backend.put(batch, Backend.Column.LEASE, idBytes(lease.id()),
                ByteBuffer.allocate(16).putLong(lease.ttl()).putLong(lease.remainingTtl()).array());
    }

    private static byte[] idBytes(long id) {
        return ByteBuffer.allocate(8).putLong(id).array();
    }

    // --- reads ---------------------------------------------------------------------------------

    /** All lease ids, ascending. */
    public synchronized List<Long> ids() {
        List<Long> ids = new ArrayList<>(leases.keySet());
        ids.sort(null);
        return ids;
    }

    public synchronized int size() {
        return leases.size();
    }

    /** The keys attached to a lease (none for an unknown lease). */
    public synchronized List<ByteString> keys(long id) {
        Lease lease = leases.get(id);
        return lease == null ? List.of() : lease.keyList();
    }

    /** The lease's remaining TTL as this member knows it (the leader's clock on the leader), or null. */
    public synchronized TimeToLive timeToLive(long id, boolean withKeys, long now) {
        Lease lease = leases.get(id);
        if (lease == null) {
            return null;
        }
        return new TimeToLive(id, lease.remainingSeconds(now), lease.ttl,
                withKeys ? lease.keyList() : List.of());
    }

    // --- leader side ---------------------------------------------------------------------------

    public synchronized boolean isPrimary() {
        return primary;
    }

    /**
     * This member became leader: every lease gets its (checkpointed) remaining TTL plus
     * {@code extendNanos} from now, so a failover does not expire leases their clients could not
     * renew meanwhile (etcd's Promote).
     */
    public synchronized void promote(long extendNanos, long now) {
        primary = true;
        for (Lease l : leases.values()) {
            l.refresh(now, extendNanos);
            scheduleCheckpoint(l, now);
        }
    }

    /** This member stopped leading: it forgets every expiry. */
    public synchronized void demote() {
        primary = false;
        for (Lease l : leases.values()) {
            l.expiryNanos = Lease.UNSET;
            l.nextCheckpointNanos = Lease.UNSET;
            l.revokeProposedNanos = 0;
        }
    }

    /**
     * Renews a lease on the leader. NOT_LEADER if this member is not the primary, LEASE_NOT_FOUND if
     * the lease is unknown or has expired (its revoke is on the way).
     */
    public synchronized Renewal renew(long id, long now) {
        if (!primary) {
            throw EtcdError.NOT_LEADER.exception();
        }
        Lease lease = leases.get(id);
        if (lease == null || (lease.expiryNanos != Lease.UNSET && lease.expiryNanos <= now)) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        boolean clear = lease.remainingTtl > 0;
        // Renewed from the full TTL; the checkpointed remainder no longer counts (cleared through Raft).
        lease.expiryNanos = now + lease.ttl * NANOS;
        lease.revokeProposedNanos = 0;
        scheduleCheckpoint(lease, now);
        return new Renewal(lease.ttl, clear);
    }

    /**
     * Leader housekeeping: starts the clock of leases granted since the last call, and returns up
     * to {@code limit} expired leases to revoke (each again after a while if its revoke got lost).
     */
    public synchronized List<Long> expired(long now, int limit) {
        List<Long> out = new ArrayList<>();
        if (!primary) {
            return out;
        }
        for (Lease l : leases.values()) {
            if (l.expiryNanos == Lease.UNSET) {
                l.refresh(now, 0);
                scheduleCheckpoint(l, now);
            } else if (l.expiryNanos <= now && out.size() < limit
                    && (l.revokeProposedNanos == 0 || now - l.revokeProposedNanos >= REVOKE_RETRY_NANOS)) {
                l.revokeProposedNanos = now;
                out.add(l.id);
            }
        }
        out.sort(null);
        return out;
    }

    /** Remaining TTLs due to be recorded through Raft (at most {@code limit}). */
    public synchronized List<LeaseCheckpoint> dueCheckpoints(long now, int limit) {
        List<LeaseCheckpoint> out = new ArrayList<>();
        if (!primary) {
            return out;
        }
        for (Lease l : leases.values()) {
            if (out.size() >= limit) {
                break;
            }
            if (l.nextCheckpointNanos != Lease.UNSET && l.nextCheckpointNanos <= now
                    && l.expiryNanos != Lease.UNSET && l.expiryNanos > now) {
                long remaining = (l.expiryNanos - now + NANOS - 1) / NANOS;
                out.add(LeaseCheckpoint.newBuilder().setID(l.id).setRemainingTTL(remaining).build());
                l.nextCheckpointNanos = Lease.UNSET;
                if (remaining * NANOS > checkpointIntervalNanos) {
                    l.nextCheckpointNanos = now + checkpointIntervalNanos;
                }
            }
        }
        return out;
    }

    /** etcd checkpoints only leases that outlive one checkpoint interval. */
    private void scheduleCheckpoint(Lease l, long now) {
        if (l.expiryNanos != Lease.UNSET && l.expiryNanos - now > checkpointIntervalNanos) {
            l.nextCheckpointNanos = now + checkpointIntervalNanos;
        } else {
            l.nextCheckpointNanos = Lease.UNSET;
        }
    }
}
