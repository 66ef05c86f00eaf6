package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's Go "lease" program ({@code src/test/go/seedlease}) run against real etcd and then
 * against the packaged Etch, each with a fresh data directory (store at revision 1), on etcd's
 * default ports ({@link SeedGo}).
 *
 * <p>The program grants a 10 s lease, starts keep-alives (a goroutine prints "收到续租响应 &lt;id&gt;"
 * per response, "租约失效" when the channel closes), puts /cron/lock/job1 with the lease, prints
 * "写入成功 &lt;revision&gt;" and returns at once (it does not wait for anything). Normalisation:
 * <ul>
 *   <li>the lease id is server-chosen (member id and time): it is checked for etcd's shape
 *       ({@link SeedGo#assertLeaseIdShape}) and every keep-alive line must carry the same id;
 *   <li>the keep-alive goroutine races the main one, which exits right after the put: the first
 *       keep-alive is sent as the keep-alive stream opens, next ones only after TTL/3 s, so 0 or 1
 *       keep-alive lines are printed, in any place; "租约失效" (the channel closed by client.Close in
 *       the deferred call) may be printed, as the very last line, or not, if the process ends first;
 *   <li>what is left must be equal: "写入成功 2" (the put is the first write) and exit 0.
 * </ul>
 */
class SeedGoLeaseIT {


    @TempDir
    Path dir;

    @Test
    void seedLeaseProgramPrintsWhatItPrintsAgainstEtcd() throws Exception {
        Path program = SeedGo.build(SeedGo.assumeToolchain(), "seedlease", dir);

        String fromEtcd;
        SeedGo.Output etcdOut;
        try (SeedGo.Server etcd = SeedGo.startEtcd(dir)) {
            etcdOut = SeedGo.run(program, dir.resolve("etcd.out"));
            fromEtcd = normalise(etcdOut, etcd);
            etcd.assertAlive();
        }
        String fromEtch;
        SeedGo.Output etchOut;
        try (SeedGo.Server etch = SeedGo.startEtch(dir)) {
            etchOut = SeedGo.run(program, dir.resolve("etch.out"));
            fromEtch = normalise(etchOut, etch);
            etch.assertAlive();
        }
        SeedGo.keep(dir.resolve("etcd.out"), "lease-etcd.txt");
        SeedGo.keep(dir.resolve("etch.out"), "lease-etch.txt");

        assertThat(fromEtcd).as("the program against real etcd, normalised:\n%s", etcdOut.text())
                .isEqualTo("写入成功 2\nexit=0");
        assertThat(fromEtch).as("the program against Etch, normalised (etcd printed:\n%s\nEtch printed:\n%s\n)",
                etcdOut.text(), etchOut.text()).isEqualTo(fromEtcd);
    }

    /** Checks and drops the keep-alive lines and "租约失效" (see the class comment); returns the rest and the exit. */
    static String normalise(SeedGo.Output output, SeedGo.Server server) throws Exception {
        return SeedGo.dropKeepAlives(output, server, new HashSet<>(), 0, 1, "\n" + output.text());
    }
}
