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
                Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofSeconds(7), 1 << 20, preVote, unsafeNoFsync, null, false,
                3000, 700, Path.of("snap"));
        return RaftNode.serverProperties(s, new InetSocketAddress("127.0.0.1", 1));
    }

    @Test
    void snapshotCountAndCatchupEntriesGovernSnapshotsAndPurging() {
        RaftProperties p = props(true, false);
        assertThat(RaftServerConfigKeys.Snapshot.autoTriggerEnabled(p)).isTrue();
        assertThat(RaftServerConfigKeys.Snapshot.autoTriggerThreshold(p)).isEqualTo(3000);
        assertThat(RaftServerConfigKeys.Log.purgeUptoSnapshotIndex(p)).isTrue();
        assertThat(RaftServerConfigKeys.Log.purgePreservationLogNum(p)).isEqualTo(700);
        // Members get the store through Etch's transfer, never Ratis' file transfer.
        assertThat(RaftServerConfigKeys.Log.Appender.installSnapshotEnabled(p)).isFalse();
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
