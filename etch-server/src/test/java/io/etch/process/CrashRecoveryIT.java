package io.etch.process;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server under a write load is killed with SIGKILL and restarted on the same data:
 * every write that was acknowledged before the kill is there, with the revision it was given,
 * and revisions go on from where they stopped.
 */
class CrashRecoveryIT {

    @TempDir
    Path dir;

    /** A supervisor's SIGTERM: the member stops cleanly, exits 0 (etcd's supervisors expect it) and keeps its data. */
    @Test
    void aTerminatedMemberExitsZeroAndKeepsItsData() throws Exception {
        EtchProcess.SingleMember member = EtchProcess.SingleMember.at("stop", dir.resolve("data"));
        ByteSequence key = ByteSequence.from("/stop/key", UTF_8);
        try (EtchProcess etch = new EtchProcess(member.flags(), dir.resolve("etch.log"));
             Client c = Client.builder().endpoints(member.clientUrl()).build()) {
            etch.start();
            c.getKVClient().put(key, ByteSequence.from("v", UTF_8)).get(10, TimeUnit.SECONDS);
            assertThat(etch.terminate()).as("exit code after SIGTERM").isZero();
        }
        assertThat(Files.readString(dir.resolve("etch.log"))).contains("received signal; shutting down member");
        try (EtchProcess etch = new EtchProcess(member.flags(), dir.resolve("etch-restarted.log"));
             Client c = Client.builder().endpoints(member.clientUrl()).build()) {
            etch.start();
            var got = c.getKVClient().get(key).get(10, TimeUnit.SECONDS);
            assertThat(got.getKvs()).singleElement().satisfies(kv -> assertThat(kv.getValue().toString(UTF_8)).isEqualTo("v"));
            assertThat(etch.terminate()).isZero();
        }
    }

    @Test
    void acknowledgedWritesSurviveKillNine() throws Exception {
        EtchProcess.SingleMember member = EtchProcess.SingleMember.at("crash", dir.resolve("data"));
        String client = member.clientUrl();
        List<String> flags = member.flags();
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        try (EtchProcess etch = new EtchProcess(flags, dir.resolve("etch.log"))) {
            etch.start();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService writers = Executors.newFixedThreadPool(4);
            try (Client c = Client.builder().endpoints(client).retryMaxAttempts(0).build()) {
                KV kv = c.getKVClient();
                for (int w = 0; w < 4; w++) {
                    int writer = w;
                    writers.submit(() -> {
                        for (int i = 0; i < 5_000 && !stop.get(); i++) {
                            String key = "/crash/w" + writer + "/" + i;
                            try {
                                long rev = kv.put(ByteSequence.from(key, UTF_8), ByteSequence.from("v" + i, UTF_8))
                                        .get(5, TimeUnit.SECONDS).getHeader().getRevision();
                                acknowledged.put(key, rev);
                            } catch (Exception e) {
                                return; // the server is gone: this write was never acknowledged
                            }
                        }
                    });
                }
                while (acknowledged.size() < 500) {
                    Thread.sleep(10);
                }
                etch.kill9();
                stop.set(true);
                writers.shutdown();
                assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
        }
        long highest = acknowledged.values().stream().mapToLong(Long::longValue).max().orElseThrow();

        try (EtchProcess etch = new EtchProcess(flags, dir.resolve("etch-restarted.log"));
             Client c = Client.builder().endpoints(client).build()) {
            etch.start();
            KV kv = c.getKVClient();
            var all = kv.get(ByteSequence.from("/crash/", UTF_8), GetOption.builder().isPrefix(true).build()).get();
            Map<String, Long> stored = new java.util.HashMap<>();
            all.getKvs().forEach(k -> stored.put(k.getKey().toString(UTF_8), k.getModRevision()));
            assertThat(stored).containsAllEntriesOf(acknowledged);
            long current = all.getHeader().getRevision();
            assertThat(current).isGreaterThanOrEqualTo(highest);
            // Each write got its own revision, so with no gap the count of keys equals the revisions used.
            assertThat(current).isEqualTo(1 + stored.size());
            long next = kv.put(ByteSequence.from("/after", UTF_8), ByteSequence.from("x", UTF_8)).get().getHeader().getRevision();
            assertThat(next).isEqualTo(current + 1);
        }
        assertThat(Files.readString(dir.resolve("etch-restarted.log"))).contains("published");
    }
}
