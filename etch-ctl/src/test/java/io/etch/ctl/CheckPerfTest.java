package io.etch.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.EtchMember;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check perf and check datascale against Etch: etcdctl's report lines, and the check's keys removed afterwards (timings are not asserted). */
class CheckPerfTest {
    @TempDir
    Path dir;

    private static String[] run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new EtchCtl(env, new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void checkPerfReportsAsEtcdctlAndCleansUp() throws Exception {
        try (EtchMember m = EtchMembers.start("perf", "perf-token", 23796, 23806, dir)) {
            Map<String, String> env = Map.of("ETCDCTL_ENDPOINTS", "127.0.0.1:23796", "ETCHCTL_CHECK_PERF_SECONDS", "2");
            String[] r = run(env, "check", "perf");
            assertThat(r[1]).matches("(?s)(FAIL: too many errors\n.*)?"
                + "(PASS: Throughput is|FAIL: Throughput too low:) \\d+ writes/s\n"
                + "(PASS: Slowest request took|Slowest request took too long:) \\d+\\.\\d{6}s\n"
                + "(PASS: Stddev is|Stddev too high:) \\d+\\.\\d{6}s\n(PASS|FAIL)\n");
            assertThat(r[0]).isEqualTo(r[1].endsWith("\nPASS\n") ? "0" : "1");
            assertThat(run(env, "get", "/etcdctl-check-perf/", "--prefix", "--count-only", "-w", "fields")[1]).contains("\"Count\" : 0\n");
            assertThat(run(env, "check", "perf", "--load", "huge")).containsExactly("4", "", "Error: unknown load option huge\n");
        }
    }

    @Test
    void checkDatascaleWritesTheLoadReportsMemoryAndCleansUp() throws Exception {
        try (EtchMember m = EtchMembers.start("scale", "scale-token", 23796, 23806, dir)) {
            Map<String, String> env = Map.of("ETCDCTL_ENDPOINTS", "127.0.0.1:23796");
            String[] r = run(env, "check", "datascale", "--auto-compact");
            assertThat(r[1]).matches("Start data scale check for work load \\[10000 key-value pairs, 1024 bytes per key-value,"
                + " 50 concurrent clients\\]\\.\n"
                + "Compacting with revision 10002\nCompacted with revision 10002\n"
                + "PASS: Approximate system memory used : -?\\d+\\.\\d\\d MB\\.\n");
            assertThat(r[0]).isEqualTo("0");
            assertThat(run(env, "get", "/etcdctl-check-datascale/", "--prefix", "--count-only", "-w", "fields")[1])
                .contains("\"Count\" : 0\n");
            run(env, "put", "/etcdctl-check-datascale/x", "1");
            assertThat(run(env, "check", "datascale")).containsExactly("3", "",
                "Error: prefix \"/etcdctl-check-datascale/\" has keys. Delete with etcdctl del --prefix"
                    + " /etcdctl-check-datascale/ first\n");
            assertThat(run(env, "check", "datascale", "--load", "huge")).containsExactly("4", "", "Error: unknown load option huge\n");
        }
    }
}
