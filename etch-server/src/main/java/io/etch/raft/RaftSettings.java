package io.etch.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import io.etch.tls.TlsConfig;

/**
 * What the consensus layer needs to know about this member and its group.
 *
 * @param selfId         this member's id
 * @param clusterId      the cluster id; names the Raft group
 * @param members        the initial voting members, this one included
 * @param logDir         where the Raft log lives (etcd's wal dir)
 * @param heartbeat      etcd's --heartbeat-interval
 * @param election       etcd's --election-timeout
 * @param requestTimeout how long a proposal may wait for commit before the client gets a timeout
 * @param maxRequestBytes the largest single request accepted (etcd's --max-request-bytes)
 * @param preVote        etcd's --pre-vote
 * @param unsafeNoFsync  etcd's --unsafe-no-fsync: acknowledge log writes before they are synced
 * @param peerTls        TLS between members (https peer URLs), or null for plaintext
 * @param joining        this member joins a running cluster for the first time: its Raft server
 *                       starts outside the configuration and waits for the leader to bring it in;
 *                       {@code members} then are the members it may reach, for its Raft clients
 * @param snapshotCount  etcd's --snapshot-count: entries applied between snapshots (store flushes
 *                       after which the log before them may be purged)
 * @param snapshotCatchupEntries etcd's --snapshot-catchup-entries: entries kept behind a snapshot
 * @param snapshotDir    where checkpoints for other members are made and received; on the store's
 *                       file system (they are hard links to it, and received ones are moved into place)
 */
public record RaftSettings(
        long selfId,
        long clusterId,
        List<RaftMember> members,
        Path logDir,
        Duration heartbeat,
        Duration election,
        Duration requestTimeout,
        long maxRequestBytes,
        boolean preVote,
        boolean unsafeNoFsync,
        TlsConfig peerTls,
        boolean joining,
        long snapshotCount,
        long snapshotCatchupEntries,
        Path snapshotDir) {

    /** The largest Raft entry this member proposes: a batch, or one request that is larger. */
    long maxEntryBytes() {
        return Math.max(ProposalQueue.MAX_BYTES, maxRequestBytes) + 1024;
    }
}
