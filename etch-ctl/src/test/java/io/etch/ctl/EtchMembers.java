package io.etch.ctl;

import io.etch.EtchMember;
import io.etch.config.EtchConfig;
import io.etch.config.MemberIds;
import io.etch.metrics.EtchMetrics;
import io.etch.server.Member;
import io.etch.server.ServerSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A one-member Etch in process, with etcd's flags' meaning: a name, a token, a client and a peer port. */
final class EtchMembers {
    private EtchMembers() {
    }

    static EtchMember start(String name, String token, int clientPort, int peerPort, Path dataDir) throws Exception {
        String peer = "http://127.0.0.1:" + peerPort;
        long id = MemberIds.memberId(List.of(peer), token);
        long cluster = MemberIds.clusterId(List.of(id));
        ServerSettings s = new ServerSettings(name, dataDir, null, id, cluster,
            List.of(new Member(id, name, List.of(peer), List.of("http://127.0.0.1:" + clientPort))),
            new InetSocketAddress("127.0.0.1", peerPort), Duration.ofMillis(50), Duration.ofMillis(500), 1572864, 128,
            EtchConfig.DEFAULT_QUOTA_BACKEND_BYTES,
            ServerSettings.AutoCompaction.OFF, ServerSettings.DEFAULT_LEASE_CHECKPOINT_INTERVAL, Duration.ofMinutes(10),
            EtchMetrics.Level.BASIC, 4_294_967_295L, true, true, ServerSettings.GrpcKeepAlive.DEFAULTS, true, false,
            ServerSettings.Auth.DEFAULTS, null);
        EtchMember m = EtchMember.start(s, List.of(new InetSocketAddress("127.0.0.1", clientPort)));
        try {
            m.server().ready().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            m.close();
            throw e;
        }
        return m;
    }

}
