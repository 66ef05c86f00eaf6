package io.etch.config;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's member and cluster IDs, bit for bit, so that clients and tools see the IDs etcd would give the same
 * cluster. IDs are unsigned 64-bit values carried in a {@code long}; compare them with
 * {@link Long#compareUnsigned} and print them with {@link #hex}.
 */
public final class MemberIds {
    private MemberIds() {}

    /**
     * The ID of a member bootstrapped from the initial cluster: the first 8 bytes, big-endian, of SHA-1 over
     * its sorted peer URLs concatenated, followed by the cluster token (etcd's NewMember with no time).
     */
    public static long memberId(Collection<String> peerUrls, String clusterToken) {
        return io.etch.membership.PeerUrls.memberId(peerUrls, clusterToken, null);
    }

    /**
     * The ID of a member added at runtime: as {@link #memberId(Collection, String)}, with the decimal Unix
     * time in seconds appended, as etcd's "member add" does to keep re-added members distinct.
     */
    public static long memberId(Collection<String> peerUrls, String clusterToken, long unixSeconds) {
        return io.etch.membership.PeerUrls.memberId(peerUrls, clusterToken, unixSeconds);
    }

    /** The cluster ID: the first 8 bytes of SHA-1 over the member IDs, sorted unsigned, each 8 bytes big-endian. */
    public static long clusterId(Collection<Long> memberIds) {
        List<Long> sorted = new ArrayList<>(memberIds);
        sorted.sort(Long::compareUnsigned);
        ByteBuffer bytes = ByteBuffer.allocate(8 * sorted.size());
        sorted.forEach(bytes::putLong);
        return first8(sha1().digest(bytes.array()));
    }

    /** Each member's bootstrap ID, by name, in the cluster's order. */
    public static Map<String, Long> memberIds(InitialCluster cluster, String clusterToken) {
        Map<String, Long> ids = new LinkedHashMap<>();
        cluster.members().forEach((name, urls) -> ids.put(name, memberId(urls, clusterToken)));
        return ids;
    }

    /** The ID etcd gives a cluster bootstrapped from this initial cluster and token. */
    public static long clusterId(InitialCluster cluster, String clusterToken) {
        return clusterId(memberIds(cluster, clusterToken).values());
    }

    /** Lower-case hex without padding, as etcd prints IDs (types.ID.String()). */
    public static String hex(long id) {
        return Long.toHexString(id);
    }

    /** Reads an ID printed by {@link #hex} or by etcd. */
    public static long parseHex(String hex) {
        return Long.parseUnsignedLong(hex, 16);
    }

    private static long first8(byte[] digest) {
        return ByteBuffer.wrap(digest, 0, 8).getLong();
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-1", e);
        }
    }
}
