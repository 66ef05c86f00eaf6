package io.etch.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.EtchMember;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged bin/etchctl as a user runs it: a put and a get against Etch, and etcdctl's exit code for bad usage. */
class EtchctlProcessIT {
    private static final Path LAUNCHER = Path.of("..", "bin", "etchctl");

    private static String[] run(String endpoint, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString(), "--endpoints", endpoint));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out, err};
    }

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    @Test
    void packagedEtchctlPutsGetsAndExitsAsEtcdctl() throws Exception {
        try (EtchMember m = EtchMembers.start("proc", "proc-token", 23794, 23804, dir)) {
            String ep = "127.0.0.1:23794";
            assertThat(run(ep, "put", "/cron/jobs/job1", "{一段json...job1}")).containsExactly("0", "OK\n", "");
            assertThat(run(ep, "get", "/cron/jobs/", "--prefix")).containsExactly("0", "/cron/jobs/job1\n{一段json...job1}\n", "");
            assertThat(run(ep, "get")).containsExactly("128", "",
                "Error: get command needs one argument as key and an optional argument as range_end\n");
            assertThat(run(ep, "get", "a", "--rev", "1000")).containsExactly("1", "",
                "Error: etcdserver: mvcc: required revision is a future revision\n");
        }
    }
}
