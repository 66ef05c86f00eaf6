package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's Go "distributed optimistic lock" program ({@code src/test/go/seedlock}) against real etcd
 * and then against the packaged Etch, each with a fresh data directory, on etcd's default ports
 * ({@link SeedGo}).
 *
 * <p>The program grants a 10 s lease with keep-alives (a goroutine prints "收到续租响应 &lt;id&gt;" per
 * response, "租约失效" when the channel closes), then in a txn puts /cron/lock/job9 with the lease if
 * its CreateRevision is 0. The winner prints "处理业务", sleeps 10 s, then (deferred) cancels the
 * keep-alives and revokes the lease; the loser prints "锁已被占用： job9lock" (Println puts a space
 * after the colon) and returns (also revoking its own lease).
 *
 * <p>Against each server two copies are started at once: exactly one must win, whichever it is, and
 * the transcripts of winner and loser are compared after this normalisation:
 * <ul>
 *   <li>the lease id is server-chosen (member id and time): it is checked for etcd's shape
 *       ({@link SeedGo#assertLeaseIdShape}), one id per copy, different ids for the two copies;
 *   <li>keep-alive lines are dropped after counting them, because where they fall relative to the
 *       main goroutine's lines is a goroutine race, and how many there are depends on timing: the
 *       client sends the first keep-alive at once and the next ones on a 500 ms tick once TTL/3 (from
 *       the TTL in the previous response) has passed, so the winner, alive about 10 s, gets 3 or 4
 *       (at about 0, 3.3-3.8, 6.7-7.7 and, just possibly, 10 s); the loser, which returns at once,
 *       gets 0 or 1;
 *   <li>"租约失效" (the channel closed by the deferred cancel) is printed, if the goroutine runs before
 *       the process ends, only as the last line; it is dropped;
 *   <li>what is left ("处理业务" or "锁已被占用： job9lock", then exit 0) must be equal.
 * </ul>
 *
 * <p>Against Etch only, afterwards: a holder is killed with kill -9 (its deferred revoke never
 * runs); the lock must stay taken while its lease lives (a copy started at once loses) and be free
 * once the lease expires: a copy retried every quarter second must win no earlier than 10 s after
 * the holder's grant and at most 12 s after the kill.
 */
class SeedGoLockIT {

    private static final String WON = "处理业务";
    private static final String LOST = "锁已被占用： job9lock";

    @TempDir
    Path dir;

    private Path program;

    @Test
    void exactlyOneCopyWinsAndAKilledHolderLosesTheLockWhenItsLeaseExpires() throws Exception {
        program = SeedGo.build(SeedGo.assumeToolchain(), "seedlock", dir);

        Race fromEtcd;
        try (SeedGo.Server etcd = SeedGo.startEtcd(dir)) {
            fromEtcd = race(etcd);
            etcd.assertAlive();
        }
        Race fromEtch;
        try (SeedGo.Server etch = SeedGo.startEtch(dir)) {
            fromEtch = race(etch);
            killedHolderLosesTheLockWhenItsLeaseExpires(etch);
            etch.assertAlive();
        }

        assertThat(fromEtcd.winner).as("the winner against real etcd, normalised").isEqualTo(WON + "\nexit=0");
        assertThat(fromEtcd.loser).as("the loser against real etcd, normalised").isEqualTo(LOST + "\nexit=0");
        assertThat(fromEtch.winner).as("the winner against Etch, normalised (etcd: %s)", fromEtcd.transcripts)
                .isEqualTo(fromEtcd.winner);
        assertThat(fromEtch.loser).as("the loser against Etch, normalised (etcd: %s)", fromEtcd.transcripts)
                .isEqualTo(fromEtcd.loser);
    }

    private record Race(String winner, String loser, String transcripts) {
    }

    /** Two copies at once; waits for both (the winner holds the lock 10 s). */
    private Race race(SeedGo.Server server) throws Exception {
        Path a = dir.resolve(server.name() + "-a.out");
        Path b = dir.resolve(server.name() + "-b.out");
        SeedGo.Run runA = SeedGo.Run.start(program, a);
        SeedGo.Run runB = SeedGo.Run.start(program, b);
        SeedGo.Output outA = runA.await();
        SeedGo.Output outB = runB.await();
        SeedGo.keep(a, "lock-" + server.name() + "-a.txt");
        SeedGo.keep(b, "lock-" + server.name() + "-b.txt");
        String transcripts = "\ncopy a:\n" + outA.text() + "\ncopy b:\n" + outB.text() + "\n";

        boolean aWon = outA.lines().contains(WON);
        assertThat(aWon ^ outB.lines().contains(WON)).as("against %s exactly one copy prints %s:%s",
                server.name(), WON, transcripts).isTrue();
        SeedGo.Output winner = aWon ? outA : outB;
        SeedGo.Output loser = aWon ? outB : outA;
        Set<Long> winnerIds = new HashSet<>();
        Set<Long> loserIds = new HashSet<>();
        String w = normalise(winner, server, winnerIds, 3, 4, transcripts);
        String l = normalise(loser, server, loserIds, 0, 1, transcripts);
        // The loser may print no lease id at all (it can give up before its first keep-alive).
        assertThat(Collections.disjoint(winnerIds, loserIds))
                .as("against %s: the winner's lease is not the loser's:%s", server.name(), transcripts).isTrue();
        return new Race(w, l, transcripts);
    }

    private static String normalise(SeedGo.Output output, SeedGo.Server server, Set<Long> ids,
            int minKeepAlives, int maxKeepAlives, String transcripts) throws Exception {
        return SeedGo.dropKeepAlives(output, server, ids, minKeepAlives, maxKeepAlives, transcripts);
    }

    private void killedHolderLosesTheLockWhenItsLeaseExpires(SeedGo.Server server) throws Exception {
        long holderStarted = System.nanoTime();
        SeedGo.Run holder = SeedGo.Run.start(program, dir.resolve("holder.out"));
        holder.awaitLine(30, WON);
        holder.kill9();
        long killed = System.nanoTime();
        SeedGo.keep(dir.resolve("holder.out"), "lock-etch-killed-holder.txt");

        // The lease outlives its killed client: the lock is still taken.
        SeedGo.Output atOnce = SeedGo.run(program, dir.resolve("at-once.out"));
        assertThat(atOnce.lines()).as("a copy started right after the kill -9 of the holder:\n%s", atOnce.text())
                .contains(LOST);

        long deadline = killed + TimeUnit.SECONDS.toNanos(20);
        for (int attempt = 1; ; attempt++) {
            SeedGo.Run retry = SeedGo.Run.start(program, dir.resolve("retry-" + attempt + ".out"));
            String verdict = retry.awaitLine(30, WON, LOST);
            long now = System.nanoTime();
            if (verdict.equals(WON)) {
                retry.kill9();
                double afterKill = (now - killed) / 1e9;
                double afterStart = (now - holderStarted) / 1e9;
                // The holder's lease was granted after holderStarted, so it cannot have expired before
                // holderStarted + 10 s (minus a little for clock granularity); etcd checks expiry
                // every 500 ms, the retries come every ~250 ms: 12 s after the kill is ample.
                assertThat(afterStart).as("the lock freed %.2f s after the holder started (TTL 10 s)", afterStart)
                        .isGreaterThanOrEqualTo(9.9);
                assertThat(afterKill).as("the lock freed %.2f s after the kill -9 of the holder (TTL 10 s)", afterKill)
                        .isLessThanOrEqualTo(12.0);
                System.out.printf("seed lock: freed %.2f s after the kill -9 of the holder (%.2f s after it started)%n",
                        afterKill, afterStart);
                return;
            }
            retry.await();
            if (now > deadline) {
                fail("the lock of the killed holder was still taken 20 s after the kill -9 (TTL 10 s); server log:\n"
                        + java.nio.file.Files.readString(server.log()));
            }
            Thread.sleep(250);
        }
    }
}
