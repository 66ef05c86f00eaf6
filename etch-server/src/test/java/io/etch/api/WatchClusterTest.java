package io.etch.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.testing.EtchCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Watches on every member of a cluster, and across a member restart. */
class WatchClusterTest {

    private static ByteSequence b(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static String describe(WatchEvent e) {
        return e.getEventType() + " " + e.getKeyValue().getKey().toString(UTF_8) + "=" + e.getKeyValue().getValue().toString(UTF_8)
                + "@" + e.getKeyValue().getModRevision();
    }

    private static void awaitSize(List<?> list, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (list.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void watchersOnFollowersSeeTheSameOrderedEvents() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(3)) {
            List<Client> clients = new ArrayList<>();
            List<List<String>> seen = new ArrayList<>();
            List<Watch.Watcher> watchers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Client c = Client.builder().endpoints(cluster.endpoint(i)).build();
                    clients.add(c);
                    List<String> events = Collections.synchronizedList(new ArrayList<>());
                    seen.add(events);
                    watchers.add(c.getWatchClient().watch(b("/f/"), WatchOption.builder().isPrefix(true).withRevision(1).build(),
                            r -> r.getEvents().forEach(e -> events.add(describe(e)))));
                }
                // Writes through every member (followers forward), interleaved.
                int writes = 60;
                for (int n = 0; n < writes; n++) {
                    var kv = clients.get(n % 3).getKVClient();
                    if (n % 5 == 4) {
                        kv.delete(b("/f/k" + (n % 7))).get(20, TimeUnit.SECONDS);
                    } else {
                        kv.put(b("/f/k" + (n % 7)), b("v" + n)).get(20, TimeUnit.SECONDS);
                    }
                }
                long last = clients.get(0).getKVClient().put(b("/f/end"), b("end")).get(20, TimeUnit.SECONDS).getHeader().getRevision();
                for (List<String> events : seen) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (!String.join(",", events).endsWith("@" + last) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                }
                assertThat(seen.get(0)).isNotEmpty();
                assertThat(seen.get(0).get(seen.get(0).size() - 1)).isEqualTo("PUT /f/end=end@" + last);
                assertThat(seen.get(1)).isEqualTo(seen.get(0));
                assertThat(seen.get(2)).isEqualTo(seen.get(0));
            } finally {
                watchers.forEach(Watch.Watcher::close);
                clients.forEach(Client::close);
            }
        }
    }

    @Test
    void resumeAfterRestartFromLastRevisionPlusOneHasNoGapOrDuplicate() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1)) {
            List<Long> before = Collections.synchronizedList(new ArrayList<>());
            long first;
            try (Client c = Client.builder().endpoints(cluster.endpoints()).build()) {
                first = c.getKVClient().put(b("/r/k"), b("0")).get(20, TimeUnit.SECONDS).getHeader().getRevision();
                Watch.Watcher w = c.getWatchClient().watch(b("/r/"), WatchOption.builder().isPrefix(true).withRevision(first).build(),
                        r -> r.getEvents().forEach(e -> before.add(e.getKeyValue().getModRevision())));
                for (int i = 1; i < 20; i++) {
                    c.getKVClient().put(b("/r/k" + (i % 3)), b("v" + i)).get(20, TimeUnit.SECONDS);
                }
                awaitSize(before, 20);
                w.close();
            }
            long lastSeen = before.get(before.size() - 1);

            cluster.restart(0);

            List<Long> after = Collections.synchronizedList(new ArrayList<>());
            try (Client c = Client.builder().endpoints(cluster.endpoints()).build()) {
                for (int i = 20; i < 30; i++) {
                    c.getKVClient().put(b("/r/k" + (i % 3)), b("v" + i)).get(20, TimeUnit.SECONDS);
                }
                Watch.Watcher w = c.getWatchClient().watch(b("/r/"),
                        WatchOption.builder().isPrefix(true).withRevision(lastSeen + 1).build(),
                        r -> r.getEvents().forEach(e -> after.add(e.getKeyValue().getModRevision())));
                for (int i = 30; i < 40; i++) {
                    c.getKVClient().put(b("/r/k" + (i % 3)), b("v" + i)).get(20, TimeUnit.SECONDS);
                }
                awaitSize(after, 20);
                w.close();
            }
            List<Long> all = new ArrayList<>(before);
            all.addAll(after);
            List<Long> expected = new ArrayList<>();
            for (long r = first; r < first + 40; r++) {
                expected.add(r);
            }
            assertThat(all).isEqualTo(expected);
        }
    }

    @Test
    void jetcdWatcherResumesOnItsOwnAcrossARestart() throws Exception {
        try (EtchCluster cluster = EtchCluster.start(1);
             Client c = Client.builder().endpoints(cluster.endpoints()).build()) {
            List<Long> seen = Collections.synchronizedList(new ArrayList<>());
            long first = c.getKVClient().put(b("/j/k"), b("0")).get(20, TimeUnit.SECONDS).getHeader().getRevision();
            Watch.Watcher w = c.getWatchClient().watch(b("/j/k"), WatchOption.builder().withRevision(first).build(),
                    r -> r.getEvents().forEach(e -> seen.add(e.getKeyValue().getModRevision())));
            for (int i = 1; i < 10; i++) {
                c.getKVClient().put(b("/j/k"), b("v" + i)).get(20, TimeUnit.SECONDS);
            }
            awaitSize(seen, 10);
            cluster.restart(0);
            for (int i = 10; i < 20; i++) {
                c.getKVClient().put(b("/j/k"), b("v" + i)).get(20, TimeUnit.SECONDS);
            }
            awaitSize(seen, 20);
            w.close();
            List<Long> expected = new ArrayList<>();
            for (long r = first; r < first + 20; r++) {
                expected.add(r);
            }
            assertThat(seen).isEqualTo(expected);
        }
    }
}
