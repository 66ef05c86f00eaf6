package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.junit.jupiter.api.Test;

/** etcd's Raft flags as Ratis settings. */
class RaftPropertiesTest {

    private static RaftProperties props(boolean preVote, boolean unsafeNoFsync) {
        RaftSettings s = new RaftSettings(1, 2, List.of(new RaftMember(1, "127.0.0.1:1")), Path.of("wal"),
                Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofSeconds(7), 1 << 20, preVote, unsafeNoFsync, null, false);
        return RaftNode.serverProperties(s, new InetSocketAddress("127.0.0.1", 1));
    }

    @Test
    void preVoteAndUnsafeNoFsyncFollowTheirFlags() {
        assertThat(RaftServerConfigKeys.LeaderElection.preVote(props(true, false))).isTrue();
        assertThat(RaftServerConfigKeys.LeaderElection.preVote(props(false, false))).isFalse();
        assertThat(RaftServerConfigKeys.Log.unsafeFlushEnabled(props(true, false))).isFalse();
        assertThat(RaftServerConfigKeys.Log.unsafeFlushEnabled(props(true, true))).isTrue();
    }

    @Test
    void electionTimingIsEtcds() {
        RaftProperties p = props(true, false);
        assertThat(RaftServerConfigKeys.Rpc.timeoutMin(p).toLong(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(1000);
        assertThat(p.getInt(PromptCommitRpc.HEARTBEAT_KEY, 0)).isEqualTo(100);
    }
}
