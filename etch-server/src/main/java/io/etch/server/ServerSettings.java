package io.etch.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything the server core needs, resolved from flags: who this member is, where it keeps its
 * data, and the limits it enforces.
 */
public record ServerSettings(
        String name,
        Path dataDir,
        Path walDir,
        long memberId,
        long clusterId,
        List<Member> members,
        InetSocketAddress peerBind,
        Duration heartbeat,
        Duration election,
        long maxRequestBytes,
        int maxTxnOps,
        Duration watchProgressNotifyInterval) {

    /** etcd's rule: a request waits at most 5 s plus two election timeouts. */
    public Duration requestTimeout() {
        return Duration.ofSeconds(5).plus(election.multipliedBy(2));
    }

    public Path raftLogDir() {
        return walDir != null ? walDir : dataDir.resolve("member").resolve("wal");
    }

    public Path storeDir() {
        return dataDir.resolve("member").resolve("db");
    }
}
