package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's Go "watcher" program ({@code src/test/go/seedwatcher}) run against real etcd and then
 * against the packaged Etch, each with a fresh data directory (store at revision 1), on etcd's
 * default ports ({@link SeedGo}).
 *
 * <p>The program starts a goroutine that, once a second, puts /cron/jobs/job7 (a new key, so it is
 * created: CreateRevision = ModRevision) and deletes it; so every even revision r is "put: r r" and
 * every odd revision r &ge; 3 is "del: r". Concurrently it Gets the key, prints the value if present,
 * prints "从该revision开始监听： N" with N = the Get's header revision + 1, and watches the key from N
 * for 5 s, printing every event. Two things in that output depend only on timing, not on the server:
 * <ul>
 *   <li>the head: the Get races the goroutine's first put and delete, so it sees revision 1, 2 or 3:
 *       N is 2, 3 or 4, and the value line ({@code [74 79 66 55]}, the bytes of "JOB7") is printed
 *       exactly when the Get saw revision 2 (N = 3);
 *   <li>the tail: the watch is cancelled 5 s after it starts while the goroutine writes at about 0,
 *       1, ..., 5 s after its own start (a little earlier), so rounds 0 to 4 (revisions 2 to 11) are
 *       always inside the 5 s and round 5 (revisions 12, 13) may be in, half in, or out: the last
 *       printed revision is 11, 12 or 13.
 * </ul>
 * Normalisation: each transcript must be exactly what that model gives for its own N and last
 * revision (every revision from N to the last, in order, none missing, none twice, none extra, then
 * exit 0); then the racy head (revisions below 4, the value line, the start line) and the racy tail
 * (revisions above 11) are cut, and what remains, events for revisions 4 to 11 and the exit status,
 * must be equal for etcd and Etch.
 */
class SeedGoWatcherIT {

    private static final String START = "从该revision开始监听： ";
    private static final String VALUE_LINE = "[74 79 66 55]";
    private static final int ALWAYS_FROM = 4;
    private static final int ALWAYS_TO = 11;

    @TempDir
    Path dir;

    @Test
    void seedWatcherProgramSeesTheSameEventsAsAgainstEtcd() throws Exception {
        Path program = SeedGo.build(SeedGo.assumeToolchain(), "seedwatcher", dir);

        SeedGo.Output fromEtcd;
        try (SeedGo.Server etcd = SeedGo.startEtcd(dir)) {
            fromEtcd = SeedGo.run(program, dir.resolve("etcd.out"));
            etcd.assertAlive();
        }
        SeedGo.Output fromEtch;
        try (SeedGo.Server etch = SeedGo.startEtch(dir)) {
            fromEtch = SeedGo.run(program, dir.resolve("etch.out"));
            etch.assertAlive();
        }
        SeedGo.keep(dir.resolve("etcd.out"), "watcher-etcd.txt");
        SeedGo.keep(dir.resolve("etch.out"), "watcher-etch.txt");

        // The baseline must fit the model too: two identical failures would otherwise pass.
        String etcdCore = normalise(fromEtcd, "etcd");
        String etchCore = normalise(fromEtch, "etch");
        assertThat(etcdCore).as("the program against real etcd, revisions 4..11")
                .startsWith("put: 4 4\ndel: 5\n").endsWith("put: 10 10\ndel: 11\nexit=0");
        assertThat(etchCore).as("the program against Etch, revisions %d..%d (etcd printed:\n%s\nEtch printed:\n%s\n)",
                ALWAYS_FROM, ALWAYS_TO, fromEtcd.text(), fromEtch.text()).isEqualTo(etcdCore);
    }

    /** Checks the transcript against the model (see the class comment); returns revisions 4..11 and the exit. */
    private static String normalise(SeedGo.Output output, String server) {
        String text = output.text();
        List<String> lines = new ArrayList<>(output.lines());
        boolean valueLine = !lines.isEmpty() && lines.get(0).equals(VALUE_LINE);
        if (valueLine) {
            lines.remove(0);
        }
        assertThat(lines).as("against %s: a start line after the optional value line:\n%s", server, text).isNotEmpty();
        assertThat(lines.get(0)).as("against %s:\n%s", server, text).startsWith(START);
        int start = Integer.parseInt(lines.remove(0).substring(START.length()));
        assertThat(start).as("against %s: the Get saw revision 1, 2 or 3:\n%s", server, text).isBetween(2, 4);
        assertThat(valueLine).as("against %s: the value is printed exactly when the Get saw revision 2 (the put):\n%s",
                server, text).isEqualTo(start == 3);

        List<String> expected = new ArrayList<>();
        List<String> core = new ArrayList<>();
        int last = start + lines.size() - 1;
        for (int r = start; r <= last; r++) {
            String event = r % 2 == 0 ? "put: " + r + " " + r : "del: " + r;
            expected.add(event);
            if (r >= ALWAYS_FROM && r <= ALWAYS_TO) {
                core.add(event);
            }
        }
        assertThat(lines).as("against %s: every revision from %d, in order, put at even and del at odd ones:\n%s",
                server, start, text).isEqualTo(expected);
        assertThat(last).as("against %s: the last revision seen in 5 s (rounds 0..4 always, round 5 maybe):\n%s",
                server, text).isBetween(ALWAYS_TO, ALWAYS_TO + 2);
        core.add("exit=" + output.exit());
        return String.join("\n", core);
    }
}
