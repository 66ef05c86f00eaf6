package io.etch.membership;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** Peer URLs as etcd's membership takes them, and the member ids derived from them. */
public final class PeerUrls {
    private static final Set<String> SCHEMES = Set.of("http", "https", "unix", "unixs");

    private PeerUrls() {
    }

    /**
     * etcd's types.NewURLs: every URL has a known scheme, a host with a port and no path; returned
     * sorted. Null when one of them is not such a URL (the caller answers etcd's "given member URLs
     * are invalid").
     */
    public static List<String> parse(Collection<String> urls) {
        List<String> out = new ArrayList<>();
        for (String u : urls) {
            try {
                URI uri = new URI(u);
                if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme()) || uri.getHost() == null
                        || (uri.getPort() < 0 && !uri.getScheme().startsWith("unix"))
                        || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
                    return null;
                }
            } catch (URISyntaxException e) {
                return null;
            }
            out.add(u);
        }
        out.sort(null);
        return out;
    }

    /**
     * etcd's computeMemberId: the first 8 bytes, big-endian, of SHA-1 over the sorted peer URLs
     * concatenated, the cluster token, and (for a member added at runtime, where etcd passes an
     * empty token) the decimal Unix time in seconds; {@code unixSeconds} null for none.
     */
    public static long memberId(Collection<String> peerUrls, String clusterToken, Long unixSeconds) {
        List<String> sorted = new ArrayList<>(peerUrls);
        sorted.sort(null); // Go's sort.Strings: byte order, which String order matches for URLs
        StringBuilder b = new StringBuilder();
        sorted.forEach(b::append);
        b.append(clusterToken);
        if (unixSeconds != null) {
            b.append(unixSeconds.longValue());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-1", e);
        }
    }
}
