package io.etch;

import io.etch.config.ConfigException;
import io.etch.config.InitialCluster;
import io.etch.config.MemberIds;
import io.etch.server.MemberIdentity;
import io.etch.snapshot.BoltReader;
import io.etch.snapshot.EtcdSnapshotRestore;
import io.etch.storage.Backend;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code etch snapshot restore FILE}: a new Etch data dir from an etcd snapshot file, with the
 * flags of {@code etcdutl snapshot restore}. Start the member with the same --name,
 * --initial-cluster and --initial-cluster-token; for a cluster, restore the same file once per
 * member, each with its own --name and --initial-advertise-peer-urls.
 */
final class SnapshotCommand {
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("data-dir", "");
        DEFAULTS.put("wal-dir", "");
        DEFAULTS.put("name", "default");
        DEFAULTS.put("initial-cluster", "default=http://localhost:2380");
        DEFAULTS.put("initial-cluster-token", "etcd-cluster");
        DEFAULTS.put("initial-advertise-peer-urls", "http://localhost:2380");
        DEFAULTS.put("skip-hash-check", "false");
        DEFAULTS.put("bump-revision", "0");
        DEFAULTS.put("mark-compacted", "false");
        // bbolt's memory map: nothing to size for RocksDB, accepted as etcdutl takes it.
        DEFAULTS.put("initial-memory-map-size", "0");
    }

    private static final Set<String> BOOLEANS = Set.of("skip-hash-check", "mark-compacted");

    private SnapshotCommand() {
    }

    /** Runs {@code etch snapshot ARGS}; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !args[0].equals("restore")) {
            err.println("Usage: etch snapshot restore <filename> [--data-dir DIR] [--wal-dir DIR] [--name NAME]"
                    + " [--initial-cluster NAME=URL,...] [--initial-cluster-token TOKEN]"
                    + " [--initial-advertise-peer-urls URL,...] [--skip-hash-check] [--bump-revision N --mark-compacted]");
            return 1;
        }
        try {
            Map<String, String> flags = new LinkedHashMap<>(DEFAULTS);
            List<String> files = parse(Arrays.copyOfRange(args, 1, args.length), flags);
            if (files.size() != 1) {
                throw new ConfigException("snapshot restore requires exactly one argument");
            }
            return restore(Path.of(files.get(0)), flags, out);
        } catch (ConfigException | IOException | RuntimeException e) {
            err.println("Error: " + e.getMessage());
            return e instanceof ConfigException ? 2 : 1;
        }
    }

    private static List<String> parse(String[] args, Map<String, String> flags) throws ConfigException {
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-") || a.equals("-")) {
                positional.add(a);
                continue;
            }
            String name = a.replaceFirst("^--?", "");
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!flags.containsKey(name)) {
                throw new ConfigException("unknown flag: --" + name);
            }
            if (value == null) {
                if (BOOLEANS.contains(name)) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new ConfigException("flag needs an argument: --" + name);
                }
            }
            flags.put(name, value);
        }
        return positional;
    }

    private static int restore(Path file, Map<String, String> flags, PrintStream out) throws ConfigException, IOException {
        long bump;
        try {
            bump = Long.parseUnsignedLong(flags.get("bump-revision"));
        } catch (NumberFormatException e) {
            throw new ConfigException("invalid argument \"" + flags.get("bump-revision") + "\" for \"--bump-revision\"");
        }
        boolean markCompacted = Boolean.parseBoolean(flags.get("mark-compacted"));
        if ((bump == 0 && markCompacted) || (bump > 0 && !markCompacted)) {
            throw new ConfigException("--mark-compacted required if --revision-bump > 0");
        }
        String name = flags.get("name");
        InitialCluster cluster = InitialCluster.parse(flags.get("initial-cluster"));
        List<String> peerUrls = List.of(flags.get("initial-advertise-peer-urls").split(","));
        if (!cluster.contains(name)) {
            throw new ConfigException("couldn't find local name \"" + name + "\" in the initial cluster configuration");
        }
        if (!new HashSet<>(cluster.peerUrls(name)).equals(new HashSet<>(peerUrls))) {
            throw new ConfigException("--initial-cluster has " + name + "=" + String.join(",", cluster.peerUrls(name))
                    + " but missing from --initial-advertise-peer-urls=" + String.join(",", peerUrls));
        }
        Path dataDir = Path.of(flags.get("data-dir").isEmpty() ? name + ".etcd" : flags.get("data-dir"));
        if (Files.exists(dataDir) && (!Files.isDirectory(dataDir) || hasEntries(dataDir))) {
            throw new ConfigException("data-dir \"" + dataDir + "\" not empty or could not be read");
        }
        if (!flags.get("wal-dir").isEmpty() && Files.exists(Path.of(flags.get("wal-dir")))) {
            throw new ConfigException("wal-dir \"" + flags.get("wal-dir") + "\" exists");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("open " + file + ": no such file or directory");
        }
        EtcdSnapshotRestore.verifyHash(file, Boolean.parseBoolean(flags.get("skip-hash-check")));

        // Restored next to the data dir and moved into place whole: a failure leaves no data dir.
        Path staging = dataDir.toAbsolutePath().resolveSibling(dataDir.getFileName() + ".restoring");
        Backend.deleteTree(staging);
        try {
            EtcdSnapshotRestore.Summary s = EtcdSnapshotRestore.restore(file, staging.resolve("member").resolve("db"), bump);
            String token = flags.get("initial-cluster-token");
            long memberId = MemberIds.memberId(peerUrls, token);
            long clusterId = MemberIds.clusterId(cluster, token);
            new MemberIdentity(memberId, clusterId).writeIfAbsent(staging);
            Files.deleteIfExists(dataDir);
            Files.move(staging, dataDir);
            Backend.fsyncDir(dataDir.toAbsolutePath().getParent());
            out.printf("restored snapshot path=%s data-dir=%s member-id=%s cluster-id=%s revision=%d revisions=%d"
                            + " leases=%d users=%d roles=%d auth=%s%n", file, dataDir, MemberIds.hex(memberId),
                    MemberIds.hex(clusterId), s.revision(), s.revisions(), s.leases(), s.users(), s.roles(),
                    s.authEnabled() ? "enabled" : "disabled");
            if (!flags.get("wal-dir").isEmpty()) {
                out.println("note: start the member with --wal-dir " + flags.get("wal-dir")
                        + " (Etch creates its Raft log there at the first start)");
            }
            return 0;
        } catch (BoltReader.BoltFormatException e) {
            throw new IOException("snapshot file " + file + " cannot be restored: " + e.getMessage(), e);
        } finally {
            Backend.deleteTree(staging);
        }
    }

    private static boolean hasEntries(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        }
    }
}
