package io.etch.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Who this member is, kept in {@code <data-dir>/member/identity} from its first start on (etcd keeps
 * it in its WAL's metadata): a member that joined got its id from the cluster, and a restarted one
 * must not take it from a --initial-cluster that may be stale by now.
 */
public record MemberIdentity(long memberId, long clusterId) {

    static Path file(Path dataDir) {
        return dataDir.resolve("member").resolve("identity");
    }

    /** The stored identity, or null when this data directory has none yet. */
    public static MemberIdentity read(Path dataDir) throws IOException {
        Path f = file(dataDir);
        if (!Files.exists(f)) {
            return null;
        }
        long member = 0;
        long cluster = 0;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals("member-id")) {
                member = Long.parseUnsignedLong(kv[1], 16);
            } else if (kv.length == 2 && kv[0].equals("cluster-id")) {
                cluster = Long.parseUnsignedLong(kv[1], 16);
            }
        }
        if (member == 0 || cluster == 0) {
            throw new IOException("unreadable member identity in " + f);
        }
        return new MemberIdentity(member, cluster);
    }

    /** Writes the identity unless one is stored already. */
    public void writeIfAbsent(Path dataDir) throws IOException {
        Path f = file(dataDir);
        if (Files.exists(f)) {
            return;
        }
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling("identity.tmp");
        Files.writeString(tmp, "member-id " + Long.toHexString(memberId) + "\ncluster-id " + Long.toHexString(clusterId)
                + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
