package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving data between etcd and Etch with the tools etcd users have, both ways, with etcd 3.5's
 * etcdctl, etcdutl and etcd: {@code etcdctl snapshot save} from Etch, {@code etcdutl snapshot
 * status} and {@code restore} of that file, real etcd started on it; then {@code etcdctl snapshot
 * save} from that etcd, {@code etch snapshot restore} into three members, which are started. Each time the whole
 * keyspace (values, create and mod revisions, versions, leases), old revisions, the compaction,
 * leases, users, roles and auth must read the same on both.
 */
class SnapshotRoundTripIT {
    private static final Path BIN = Path.of(System.getProperty("user.home"), ".cache/etcd-e2e-3.5/bin");
    private static final Path ETCD = BIN.resolve("etcd");
    private static final Path ETCDCTL = BIN.resolve("etcdctl");
    private static final Path ETCDUTL = BIN.resolve("etcdutl");
    private static final String AUTH = "root:rootpw";

    @TempDir
    Path dir;

    @Test
    void dataGoesFromEtchToEtcdAndBackUnchanged() throws Exception {
        assumeTrue(Files.isExecutable(ETCD) && Files.isExecutable(ETCDCTL) && Files.isExecutable(ETCDUTL),
                "needs etcd 3.5 (../shared/tools/etcd-e2e-3.5 --setup)");
        EtchProcess.SingleMember etchAt = EtchProcess.SingleMember.at("m1", dir.resolve("etch1"));
        String etch = etchAt.clientUrl();
        Path fromEtch = dir.resolve("from-etch.db");
        List<String> etchView;
        try (EtchProcess server = new EtchProcess(etchAt.flags(), dir.resolve("etch1.log"))) {
            server.start();
            load(etch);
            assertThat(ctl(etch, true, "snapshot", "save", fromEtch.toString())).startsWith("exit=0");
            etchView = view(etch);
        }
        assertThat(etchView.get(0)).as("every key, read with credentials").startsWith("exit=0").contains("\"count\":9");
        assertThat(String.join("\n", etchView)).contains("found 1 leases", "attached keys([leased/a leased/b])",
                "Roles: reader", "Authentication Status: true", "required revision has been compacted",
                "etcdserver: user name is empty");
        String status = run(List.of(ETCDUTL.toString(), "snapshot", "status", fromEtch.toString(), "-w", "json"));
        assertThat(status).as("etcdutl reads the file and checks it").contains("\"revision\":" + revisionOf(etchView));

        // The way back: etcdutl restores Etch's file, and real etcd serves it.
        String etcdPeer = "http://127.0.0.1:" + EtchProcess.freePort();
        String etcdClient = "http://127.0.0.1:" + EtchProcess.freePort();
        Path etcdDir = dir.resolve("etcd");
        run(List.of(ETCDUTL.toString(), "snapshot", "restore", fromEtch.toString(), "--data-dir", etcdDir.toString(),
                "--name", "e1", "--initial-cluster", "e1=" + etcdPeer, "--initial-advertise-peer-urls", etcdPeer));
        Path fromEtcd = dir.resolve("from-etcd.db");
        List<String> etcdView;
        Process etcd = new ProcessBuilder(ETCD.toString(), "--name", "e1", "--data-dir", etcdDir.toString(),
                "--listen-client-urls", etcdClient, "--advertise-client-urls", etcdClient,
                "--listen-peer-urls", etcdPeer, "--initial-advertise-peer-urls", etcdPeer,
                "--initial-cluster", "e1=" + etcdPeer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        try {
            awaitServing(etcdClient);
            etcdView = view(etcdClient);
            assertThat(etcdView).as("etcd serves what Etch held").isEqualTo(etchView);
            // More history on etcd's side before the way in.
            ctl(etcdClient, true, "put", "from-etcd", "e");
            ctl(etcdClient, true, "del", "k3");
            assertThat(ctl(etcdClient, true, "snapshot", "save", fromEtcd.toString())).startsWith("exit=0");
            etcdView = view(etcdClient);
        } finally {
            etcd.destroy();
            etcd.waitFor(20, TimeUnit.SECONDS);
        }

        // The way in, as etcd's disaster-recovery guide does it: every member of a new three-member
        // cluster restored from the one file with etch snapshot restore (etcdutl's flags), then started.
        String bin = EtchProcess.repositoryRoot().resolve("bin/etch").toString();
        try (ProcessCluster cluster = ProcessCluster.startPrepared(dir.resolve("cluster"), 3, "restored-token", 50, 500,
                (i, flags) -> {
                    List<String> restore = new ArrayList<>(List.of(bin, "snapshot", "restore", fromEtcd.toString()));
                    for (String flag : List.of("--name", "--data-dir", "--initial-cluster", "--initial-cluster-token",
                            "--initial-advertise-peer-urls")) {
                        restore.add(flag);
                        restore.add(flags.get(flags.indexOf(flag) + 1));
                    }
                    assertThat(run(restore)).contains("restored snapshot", "auth=enabled");
                })) {
            for (int i = 0; i < 3; i++) {
                assertThat(view(cluster.endpoint(i))).as("member %d serves what etcd held", i).isEqualTo(etcdView);
            }
            ctl(cluster.endpoint(0), true, "put", "after-restore", "1");
            for (int i = 0; i < 3; i++) {
                assertThat(ctl(cluster.endpoint(i), true, "get", "after-restore", "-w", "json"))
                        .contains("\"mod_revision\":" + (revisionOf(etcdView) + 1));
            }
            // One member at a time: etcd 3.5.30's MemberList wants credentials, which --cluster does not send.
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (int i = 0; i < 3; i++) {
                String hash = ctl(cluster.endpoint(i), true, "endpoint", "hashkv", "-w", "json");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"hash\":(\\d+)").matcher(hash);
                assertThat(m.find()).as(hash).isTrue();
                distinct.add(m.group(1));
            }
            assertThat(distinct).as("HashKV of the three members").hasSize(1);
        }
    }

    /** The way in from etcd 3.4 (Debian's), whose files are bbolt with the same buckets. */
    @Test
    void aSnapshotOfEtcd34IsRestoredIntoEtch() throws Exception {
        Path etcd34 = Path.of("/usr/bin/etcd");
        Path etcdctl34 = Path.of("/usr/bin/etcdctl");
        assumeTrue(Files.isExecutable(etcd34) && Files.isExecutable(etcdctl34) && Files.isExecutable(ETCDCTL),
                "needs Debian's etcd-server and etcd-client (3.4) and etcdctl 3.5");
        String peer = "http://127.0.0.1:" + EtchProcess.freePort();
        String client = "http://127.0.0.1:" + EtchProcess.freePort();
        Path file = dir.resolve("etcd34.db");
        List<String> etcdView;
        Process etcd = new ProcessBuilder(etcd34.toString(), "--name", "e1", "--data-dir", dir.resolve("etcd34").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", "e1=" + peer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd34.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (exec(List.of(ETCDCTL.toString(), "--endpoints", client, "get", "health")).code() != 0) {
                assertThat(System.nanoTime()).as("etcd 3.4 serves").isLessThan(deadline);
                Thread.sleep(200);
            }
            load(client);
            Result saved = exec(List.of(etcdctl34.toString(), "--endpoints", client, "--user", AUTH, "snapshot", "save",
                    file.toString()));
            assertThat(saved.code()).as(saved.output()).isZero();
            etcdView = view(client);
        } finally {
            etcd.destroy();
            etcd.waitFor(20, TimeUnit.SECONDS);
        }
        EtchProcess.SingleMember at = EtchProcess.SingleMember.at("m1", dir.resolve("etch"));
        String etchPeer = at.flags().get(at.flags().indexOf("--initial-advertise-peer-urls") + 1);
        run(List.of(EtchProcess.repositoryRoot().resolve("bin/etch").toString(), "snapshot", "restore", file.toString(),
                "--data-dir", dir.resolve("etch").toString(), "--name", "m1", "--initial-cluster", "m1=" + etchPeer,
                "--initial-advertise-peer-urls", etchPeer));
        try (EtchProcess server = new EtchProcess(at.flags(), dir.resolve("etch.log"))) {
            server.start();
            List<String> etchView = new ArrayList<>(view(at.clientUrl()));
            // etcd 3.4 has no AuthStatus call (3.5 added it); everything else must agree.
            for (int i = etcdView.size() - 1; i >= 0; i--) {
                if (etcdView.get(i).contains("unknown method AuthStatus")) {
                    assertThat(etchView.get(i)).contains("Authentication Status: true");
                    etchView.remove(i);
                }
            }
            List<String> expected = etcdView.stream().filter(v -> !v.contains("unknown method AuthStatus")).toList();
            assertThat(etchView).as("Etch serves what etcd 3.4 held").isEqualTo(expected);
        }
    }

    @Test
    void aDamagedFileIsRefusedAndLeavesNoDataDir() throws Exception {
        assumeTrue(Files.isExecutable(ETCD) && Files.isExecutable(ETCDCTL), "needs etcd 3.5 (../shared/tools/etcd-e2e-3.5 --setup)");
        EtchProcess.SingleMember at = EtchProcess.SingleMember.at("m1", dir.resolve("etch1"));
        Path file = dir.resolve("s.db");
        try (EtchProcess server = new EtchProcess(at.flags(), dir.resolve("etch1.log"))) {
            server.start();
            ctl(at.clientUrl(), false, "put", "k", "v");
            assertThat(ctl(at.clientUrl(), false, "snapshot", "save", file.toString())).startsWith("exit=0");
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Path damaged = dir.resolve("damaged.db");
        Files.write(damaged, bytes);
        Path target = dir.resolve("restored");
        List<String> command = List.of(EtchProcess.repositoryRoot().resolve("bin/etch").toString(), "snapshot", "restore",
                damaged.toString(), "--data-dir", target.toString());
        Result r = exec(command);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.output()).contains("Error: expected sha256");
        assertThat(target).doesNotExist();
        assertThat(dir.resolve("restored.restoring")).doesNotExist();
        // Existing data is never overwritten, as etcdutl refuses.
        Files.createDirectories(target.resolve("member"));
        r = exec(List.of(command.get(0), "snapshot", "restore", file.toString(), "--data-dir", target.toString()));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.output()).contains("Error: data-dir \"" + target + "\" not empty or could not be read");
    }

    /** History with overwrites, deletes, a compaction, a lease with keys, users and roles, then auth on. */
    private static void load(String endpoint) throws Exception {
        for (int i = 0; i < 40; i++) {
            ok(endpoint, "put", "k" + (i % 7), "value-" + i);
        }
        ok(endpoint, "put", "big", "x".repeat(20_000));
        ok(endpoint, "del", "k5");
        ok(endpoint, "compact", "20");
        String granted = ctl(endpoint, false, "lease", "grant", "900");
        java.util.regex.Matcher lease = java.util.regex.Pattern.compile("lease ([0-9a-f]+) granted").matcher(granted);
        assertThat(lease.find()).as(granted).isTrue();
        assertThat(ctl(endpoint, false, "put", "leased/a", "1", "--lease=" + lease.group(1))).startsWith("exit=0");
        assertThat(ctl(endpoint, false, "put", "leased/b", "2", "--lease=" + lease.group(1))).startsWith("exit=0");
        ok(endpoint, "user", "add", AUTH);
        ok(endpoint, "user", "grant-role", "root", "root");
        ok(endpoint, "role", "add", "reader");
        ok(endpoint, "role", "grant-permission", "reader", "read", "k", "--prefix");
        ok(endpoint, "user", "add", "alice:alicepw");
        ok(endpoint, "user", "grant-role", "alice", "reader");
        ok(endpoint, "auth", "enable");
    }

    /** What both sides must agree on, as etcdctl prints it. */
    private static List<String> view(String endpoint) throws Exception {
        List<String> v = new ArrayList<>();
        v.add(kvs(ctl(endpoint, true, "get", "", "--from-key", "-w", "json")));
        for (String rev : List.of("21", "30", "42")) {
            v.add(kvs(ctl(endpoint, true, "get", "k", "--prefix", "--rev", rev, "-w", "json")));
        }
        v.add(ctl(endpoint, true, "get", "k1", "--rev", "19"));
        String leases = ctl(endpoint, true, "lease", "list");
        v.add(leases);
        for (String line : leases.split("\n")) {
            if (line.matches("[0-9a-f]{16}")) {
                v.add(sortedKeys(ctl(endpoint, true, "lease", "timetolive", line, "--keys")
                        .replaceAll("remaining\\(\\d+s\\)", "")));
            }
        }
        v.add(ctl(endpoint, true, "user", "list"));
        v.add(ctl(endpoint, true, "user", "get", "alice"));
        v.add(ctl(endpoint, true, "role", "get", "reader"));
        v.add(ctl(endpoint, true, "auth", "status"));
        v.add(ctl(endpoint, false, "get", "k1"));
        return v;
    }

    /** etcd lists a lease's keys in Go map order, which changes from run to run. */
    private static String sortedKeys(String ttl) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)").matcher(ttl);
        if (!m.find()) {
            return ttl;
        }
        List<String> keys = new ArrayList<>(List.of(m.group(1).split(" ")));
        java.util.Collections.sort(keys);
        return ttl.substring(0, m.start(1)) + String.join(" ", keys) + ttl.substring(m.end(1));
    }

    /** The kvs and the revision of a JSON get, without member and cluster ids and the raft term. */
    private static String kvs(String json) {
        return json.replaceAll("\"(cluster_id|member_id|raft_term)\":\\d+,?", "");
    }

    private static long revisionOf(List<String> view) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"revision\":(\\d+)").matcher(view.get(0));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static void awaitServing(String endpoint) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (exec(List.of(ETCDCTL.toString(), "--endpoints", endpoint, "--user", AUTH, "get", "health")).code() == 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("etcd at " + endpoint + " did not serve");
    }

    private static String ctl(String endpoint, boolean auth, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints", endpoint, "--command-timeout", "20s"));
        if (auth) {
            command.addAll(List.of("--user", AUTH));
        }
        command.addAll(List.of(args));
        Result r = exec(command);
        // Errors are part of what must agree; etcdctl's log lines carry timestamps, which cannot.
        return "exit=" + r.code() + "\n" + r.output().replaceAll("(?m)^\\{\"level\".*\n?", "").strip();
    }

    /** An etcdctl call that must succeed. */
    private static void ok(String endpoint, String... args) throws Exception {
        String out = ctl(endpoint, false, args);
        assertThat(out).as("etcdctl %s", List.of(args)).startsWith("exit=0");
    }

    private static String run(List<String> command) throws Exception {
        Result r = exec(command);
        assertThat(r.code()).as("%s\n%s", command, r.output()).isZero();
        return r.output();
    }

    private record Result(int code, String output) {
    }

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        return new Result(p.exitValue(), out);
    }
}
