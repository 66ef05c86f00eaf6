package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's Go "kv" program ({@code src/test/go/seedkv}, etcd-notes.md, go.etcd.io/etcd/clientv3
 * from Debian's etcd 3.4 sources) run against real etcd and then against the packaged Etch: it must
 * print the same thing. The program ends with a panic (it indexes the empty result of a Get of a key
 * that does not exist), against real etcd too, so what is compared is its output up to and including
 * the "panic:" line, and its exit status. The stack trace after that line (addresses, paths) is not
 * compared.
 *
 * <p>The program hard-codes {@code 127.0.0.1:2379}, so both servers run on etcd's default ports
 * (client 2379, peer 2380), one after the other; the test fails, saying so, when a port is taken.
 * Building, servers and running are shared with the other seed program ITs ({@link SeedGo}).
 */
class SeedGoProgramIT {

    @TempDir
    Path dir;

    @Test
    void seedKvProgramPrintsWhatItPrintsAgainstEtcd() throws Exception {
        Path program = SeedGo.build(SeedGo.assumeToolchain(), "seedkv", dir);

        String fromEtcd;
        try (SeedGo.Server etcd = SeedGo.startEtcd(dir)) {
            fromEtcd = upToPanic(SeedGo.run(program, dir.resolve("etcd.out")));
            etcd.assertAlive();
        }
        String fromEtch;
        try (SeedGo.Server etch = SeedGo.startEtch(dir)) {
            fromEtch = upToPanic(SeedGo.run(program, dir.resolve("etch.out")));
            etch.assertAlive();
        }

        // Both transcripts (whole, stack trace included) stay behind for a person to read.
        SeedGo.keep(dir.resolve("etcd.out"), "kv-etcd.txt");
        SeedGo.keep(dir.resolve("etch.out"), "kv-etch.txt");

        // The baseline is what the program is known to do against etcd 3.4: otherwise two identical
        // failures (say, both timing out) would pass.
        assertThat(fromEtcd)
                .as("the program against real etcd")
                .startsWith("连接etcd成功\nput Revision: 2\n")
                .contains("\ndel: /cron/jobs/job2 JOB2 3\n5\n")
                .endsWith("\npanic: runtime error: index out of range [0] with length 0\nexit=2");
        assertThat(fromEtch).as("the program against Etch (etcd printed:\n%s\n)", fromEtcd).isEqualTo(fromEtcd);
    }

    /** The output up to and including the first "panic:" line, then "exit=N" (or "exit=timeout"). */
    private static String upToPanic(SeedGo.Output output) {
        List<String> kept = new ArrayList<>();
        for (String line : output.lines()) {
            kept.add(line);
            if (line.startsWith("panic:")) {
                break;
            }
        }
        kept.add("exit=" + output.exit());
        return String.join("\n", kept);
    }
}
