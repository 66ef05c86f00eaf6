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
 * The seed's etcdctl session, and every KV option etcdctl has, run with Debian's real etcdctl
 * against real etcd and then against the packaged Etch started with the same flags: the output
 * must be the same, byte for byte, revisions, ids and JSON included.
 */
class EtcdctlCompatIT {

    private static final Path ETCD = Path.of("/usr/bin/etcd");
    private static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

    @TempDir
    Path dir;

    /** One etcdctl call: its arguments and what it reads on stdin. */
    private record Call(List<String> args, String stdin) {
        static Call of(String... args) {
            return new Call(List.of(args), "");
        }
    }

    private static List<Call> session() {
        List<Call> calls = new ArrayList<>();
        calls.add(Call.of("put", "name", "yuanya"));
        calls.add(Call.of("get", "name"));
        calls.add(Call.of("del", "name"));
        calls.add(Call.of("put", "/cron/jobs/job1", "{一段json...job1}"));
        calls.add(Call.of("put", "/cron/jobs/job2", "{一段json...job2}"));
        calls.add(Call.of("get", "/cron/jobs/job1"));
        calls.add(Call.of("get", "/cron/jobs/", "--prefix"));
        calls.add(Call.of("put", "/cron/jobs/job2", "{...job2}"));
        calls.add(Call.of("del", "/cron/jobs/job2"));
        calls.add(Call.of("put", "a", "3"));
        calls.add(Call.of("put", "b", "1"));
        calls.add(Call.of("put", "c", "2"));
        calls.add(Call.of("put", "b", "4", "--prev-kv"));
        calls.add(Call.of("get", "a", "--from-key"));
        calls.add(Call.of("get", "a", "--from-key", "--limit", "2"));
        calls.add(Call.of("get", "a", "d"));
        calls.add(Call.of("get", "b", "--rev", "11"));
        calls.add(Call.of("get", "a", "--from-key", "--sort-by", "VALUE", "--order", "DESCEND"));
        calls.add(Call.of("get", "a", "--from-key", "--sort-by", "MODIFY", "--order", "ASCEND"));
        calls.add(Call.of("get", "a", "--from-key", "--sort-by", "CREATE", "--order", "DESCEND"));
        calls.add(Call.of("get", "a", "--from-key", "--sort-by", "VERSION"));
        calls.add(Call.of("get", "a", "--from-key", "--keys-only"));
        calls.add(Call.of("get", "a", "--from-key", "--count-only", "-w", "json"));
        calls.add(Call.of("get", "a", "--from-key", "--print-value-only"));
        calls.add(Call.of("get", "/cron/", "--prefix", "-w", "json"));
        calls.add(Call.of("put", "k1", "v1", "-w", "json"));
        calls.add(Call.of("get", "k1", "-w", "fields"));
        calls.add(Call.of("del", "a", "--from-key", "--prev-kv"));
        calls.add(Call.of("put", "key1", "1"));
        calls.add(new Call(List.of("txn", "--interactive"),
                "value(\"key1\") = \"1\"\n\nput key1 \"overwrote-key1\"\n\nput key2 \"some extra key\"\n\n"));
        calls.add(new Call(List.of("txn", "--interactive"),
                "value(\"key1\") = \"1\"\n\nput key1 \"again\"\n\nget key1\n\n"));
        calls.add(Call.of("get", "key", "--prefix", "-w", "json"));
        calls.add(Call.of("compaction", "5"));
        calls.add(Call.of("get", "key1", "--rev", "3"));
        calls.add(Call.of("compaction", "--physical", "7"));
        calls.add(Call.of("compaction", "3"));
        calls.add(Call.of("get", "x", "--rev", "1000"));
        calls.add(Call.of("put", "", "empty"));
        calls.add(Call.of("get", "key1", "--consistency", "s"));
        calls.add(Call.of("del", "key", "--prefix"));
        calls.add(Call.of("get", "", "--prefix", "-w", "json"));
        calls.add(Call.of("alarm", "list"));
        calls.add(Call.of("alarm", "disarm"));
        calls.add(Call.of("defrag"));
        calls.add(Call.of("put", "after-defrag", "1"));
        return calls;
    }

    @Test
    void etcdctlSessionPrintsWhatEtcdPrints() throws Exception {
        assumeTrue(Files.isExecutable(ETCD) && Files.isExecutable(ETCDCTL), "needs etcd-server and etcd-client");
        int clientPort = EtchProcess.freePort();
        int peerPort = EtchProcess.freePort();
        String client = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> flags = List.of("--name", "compat", "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "compat=" + peer, "--initial-cluster-token", "compat-token");

        List<String> fromEtcd;
        List<String> etcdArgs = new ArrayList<>(flags);
        etcdArgs.addAll(List.of("--data-dir", dir.resolve("etcd").toString()));
        Process etcd = new ProcessBuilder(prepend(ETCD.toString(), etcdArgs))
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        try {
            awaitHealthy(client);
            fromEtcd = run(client);
        } finally {
            etcd.destroy();
            etcd.waitFor(20, TimeUnit.SECONDS);
        }

        List<String> etchArgs = new ArrayList<>(flags);
        etchArgs.addAll(List.of("--data-dir", dir.resolve("etch").toString()));
        List<String> fromEtch;
        try (EtchProcess etch = new EtchProcess(etchArgs, dir.resolve("etch.log"))) {
            etch.start();
            fromEtch = run(client);
        }
        // Both transcripts stay behind for a person to read.
        Path transcripts = Path.of("target", "etcdctl-compat");
        Files.createDirectories(transcripts);
        Files.writeString(transcripts.resolve("etcd.txt"), String.join("\n----\n", fromEtcd));
        Files.writeString(transcripts.resolve("etch.txt"), String.join("\n----\n", fromEtch));
        assertThat(fromEtch).hasSameSizeAs(fromEtcd);
        assertThat(String.join("", fromEtcd)).contains("yuanya", "compacted", "\"raft_term\":2");
        for (int i = 0; i < fromEtcd.size(); i++) {
            assertThat(fromEtch.get(i)).as("etcdctl %s", session().get(i).args()).isEqualTo(fromEtcd.get(i));
        }
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static void awaitHealthy(String endpoint) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (etcdctl(endpoint, List.of("endpoint", "health"), "").contains("is healthy")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("etcd did not become healthy");
    }

    private static List<String> run(String endpoint) throws Exception {
        List<String> outputs = new ArrayList<>();
        for (Call call : session()) {
            outputs.add(etcdctl(endpoint, call.args(), call.stdin()));
        }
        return outputs;
    }

    /** Runs etcdctl and returns its exit code, stdout and stderr as one text. */
    private static String etcdctl(String endpoint, List<String> args, String stdin) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints", endpoint, "--command-timeout", "10s"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        // etcdctl prefixes errors with a timestamp; what follows it is what we compare.
        err = err.replaceAll("(?m)^\\{\"level\".*$", "").replaceAll("(?m)^[0-9/: .]+ ", "").strip();
        return "exit=" + code + "\n" + out + "\nstderr=" + err;
    }
}
