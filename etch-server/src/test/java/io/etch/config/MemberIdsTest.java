package io.etch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Expected IDs were read from a real etcd 3.4.23 (Debian's /usr/bin/etcd), so these pin bit-exact agreement.
 *
 * <p>Single member, started as {@code etcd --name x --initial-advertise-peer-urls http://127.0.0.1:23800
 * --listen-peer-urls http://127.0.0.1:23800 --initial-cluster x=http://127.0.0.1:23800
 * --initial-cluster-token tok} (client on 127.0.0.1:23790); {@code etcdctl endpoint status -w json} gave
 * member_id 2681083982177880140 and cluster_id 4413477065597753003.
 *
 * <p>Three members, one of them with two peer URLs listed out of order, from the "added member" lines etcd
 * logs when member a of {@code --initial-cluster a=http://127.0.0.1:23800,b=http://127.0.0.1:23811,
 * b=http://127.0.0.1:23801,c=http://127.0.0.1:23802 --initial-cluster-token tok3} starts.
 *
 * <p>Defaults: {@code etcd --name x} logs member 8e9e05c52164694d in cluster cdf818194e3a8c32.
 */
class MemberIdsTest {
    static final long SINGLE_MEMBER_ID = 2681083982177880140L;
    static final long SINGLE_CLUSTER_ID = 4413477065597753003L;

    static final String THREE = "a=http://127.0.0.1:23800,b=http://127.0.0.1:23811,b=http://127.0.0.1:23801,"
            + "c=http://127.0.0.1:23802";
    static final String THREE_A = "de6a58c81cab4100";
    static final String THREE_B = "55486caf5b033da2";
    static final String THREE_C = "4c5aba1ec9bdd56c";
    static final String THREE_CLUSTER = "ea16d2343837f780";

    @Test
    void singleMemberMatchesEtcd() throws Exception {
        long member = MemberIds.memberId(List.of("http://127.0.0.1:23800"), "tok");
        assertThat(member).isEqualTo(SINGLE_MEMBER_ID);
        assertThat(MemberIds.hex(member)).isEqualTo("25351fad42b3c84c");
        assertThat(MemberIds.clusterId(List.of(member))).isEqualTo(SINGLE_CLUSTER_ID);
        assertThat(MemberIds.clusterId(InitialCluster.parse("x=http://127.0.0.1:23800"), "tok"))
                .isEqualTo(SINGLE_CLUSTER_ID);
        assertThat(MemberIds.hex(SINGLE_CLUSTER_ID)).isEqualTo("3d3fd201ef4996ab");
    }

    @Test
    void threeMembersMatchEtcd() throws Exception {
        InitialCluster cluster = InitialCluster.parse(THREE);
        var ids = MemberIds.memberIds(cluster, "tok3");
        assertThat(ids.keySet()).containsExactly("a", "b", "c");
        assertThat(MemberIds.hex(ids.get("a"))).isEqualTo(THREE_A);
        assertThat(MemberIds.hex(ids.get("b"))).isEqualTo(THREE_B);
        assertThat(MemberIds.hex(ids.get("c"))).isEqualTo(THREE_C);
        assertThat(MemberIds.hex(MemberIds.clusterId(cluster, "tok3"))).isEqualTo(THREE_CLUSTER);
        // the IDs above the sign bit must sort unsigned, or the cluster ID would differ
        assertThat(MemberIds.parseHex(THREE_A)).isNegative();
    }

    @Test
    void peerUrlOrderDoesNotMatter() {
        long ab = MemberIds.memberId(List.of("http://127.0.0.1:23801", "http://127.0.0.1:23811"), "tok3");
        long ba = MemberIds.memberId(List.of("http://127.0.0.1:23811", "http://127.0.0.1:23801"), "tok3");
        assertThat(ab).isEqualTo(ba).isEqualTo(MemberIds.parseHex(THREE_B));
    }

    @Test
    void etcdDefaultsGiveTheWellKnownIds() throws Exception {
        EtchConfig config = ConfigLoader.load(new String[] {"--name", "x"}, java.util.Map.of());
        assertThat(MemberIds.hex(config.bootstrapMemberId())).isEqualTo("8e9e05c52164694d");
        assertThat(MemberIds.hex(config.bootstrapClusterId())).isEqualTo("cdf818194e3a8c32");
    }

    @Test
    void configGivesTheSameIdsAsEtcd() throws Exception {
        EtchConfig config = ConfigLoader.load(new String[] {"--name", "b",
                "--initial-advertise-peer-urls", "http://127.0.0.1:23811,http://127.0.0.1:23801",
                "--initial-cluster", THREE, "--initial-cluster-token", "tok3"}, java.util.Map.of());
        assertThat(MemberIds.hex(config.bootstrapMemberId())).isEqualTo(THREE_B);
        assertThat(MemberIds.hex(config.bootstrapClusterId())).isEqualTo(THREE_CLUSTER);
    }

    @Test
    void memberAddAppendsTheTime() {
        List<String> urls = List.of("http://127.0.0.1:23800");
        assertThat(MemberIds.memberId(urls, "tok", 1_700_000_000L)).isNotEqualTo(MemberIds.memberId(urls, "tok"));
    }

    @Test
    void hexIsUnpaddedLowerCase() {
        assertThat(MemberIds.hex(0x0abcL)).isEqualTo("abc");
        assertThat(MemberIds.hex(-1L)).isEqualTo("ffffffffffffffff");
        assertThat(MemberIds.parseHex("ffffffffffffffff")).isEqualTo(-1L);
    }
}
