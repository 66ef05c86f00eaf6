package io.etch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A flag Etch cannot honour is refused by name unless left at etcd's default; one it has no use for is warned about. */
class FlagSupportTest {
    private static final String[] SINGLE = {
        "--name", "x",
        "--listen-client-urls", "http://127.0.0.1:23790",
        "--advertise-client-urls", "http://127.0.0.1:23790",
        "--listen-peer-urls", "http://127.0.0.1:23800",
        "--initial-advertise-peer-urls", "http://127.0.0.1:23800",
        "--initial-cluster", "x=http://127.0.0.1:23800",
    };

    private static List<String> check(String... more) throws ConfigException {
        return ConfigLoader.parse(with(more), Map.of()).checkSupported();
    }

    private static String[] with(String... more) {
        String[] out = new String[SINGLE.length + more.length];
        System.arraycopy(SINGLE, 0, out, 0, SINGLE.length);
        System.arraycopy(more, 0, out, SINGLE.length, more.length);
        return out;
    }

    @Test
    void etcdsDefaultsStartWithoutWarnings() throws Exception {
        assertThat(check()).isEmpty();
        assertThat(ConfigLoader.defaults().checkSupported()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--max-wals=5", "--max-snapshots=5", "--initial-election-tick-advance=true", "--proxy=off",
            "--cors=*", "--host-whitelist=*", "--enable-v2=false", "--enable-pprof=false", "--force-new-cluster=false",
            "--socket-reuse-port=false", "--raft-read-timeout=5s", "--log-outputs=stderr", "--log-outputs=default",
            "--experimental-initial-corrupt-check=false", "--backend-batch-limit=0", "--backend-bbolt-freelist-type=map",
            "--experimental-corrupt-check-time=0s", "--discovery-fallback=exit", "--proxy-dial-timeout=7",
            "--quota-backend-bytes=-1", "--experimental-enable-lease-checkpoint", "--feature-gates=LeaseCheckpoint=true"})
    void aFlagGivenItsDefaultOrThatEtchHonoursStartsSilently(String flag) throws Exception {
        assertThat(check(flag)).isEmpty();
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(new String[] {"--max-wals=0"}, "--max-wals=0 is not supported by Etch (Etch writes no WAL"
                        + " files; its Raft log segments are purged after snapshots, see --snapshot-count)"),
                Arguments.of(new String[] {"--max-snapshots", "10"}, "--max-snapshots=10 is not supported by Etch"),
                Arguments.of(new String[] {"--initial-election-tick-advance=false"},
                        "--initial-election-tick-advance=false is not supported by Etch"),
                Arguments.of(new String[] {"--raft-write-timeout=1s"}, "--raft-write-timeout=1s is not supported by Etch"),
                Arguments.of(new String[] {"--socket-reuse-address"}, "--socket-reuse-address=true is not supported by Etch"),
                Arguments.of(new String[] {"--socket-reuse-port"}, "--socket-reuse-port=true is not supported by Etch"),
                Arguments.of(new String[] {"--enable-v2"}, "--enable-v2=true is not supported by Etch (Etch serves only"
                        + " the v3 API)"),
                Arguments.of(new String[] {"--experimental-enable-v2v3=/v2/"},
                        "--experimental-enable-v2v3=/v2/ is not supported by Etch"),
                Arguments.of(new String[] {"--proxy=on"}, "--proxy=on is not supported by Etch"),
                Arguments.of(new String[] {"--cors=http://a.example:80"}, "--cors=http://a.example:80 is not supported"),
                Arguments.of(new String[] {"--host-whitelist=a.example"}, "--host-whitelist=a.example is not supported"),
                Arguments.of(new String[] {"--enable-pprof"}, "--enable-pprof=true is not supported by Etch"),
                Arguments.of(new String[] {"--enable-log-rotation", "--log-outputs=/tmp/etch.log"},
                        "--enable-log-rotation=true is not supported by Etch"),
                Arguments.of(new String[] {"--log-outputs=stdout"},
                        "--log-outputs=stdout is not supported by Etch (it logs to stderr only)"),
                Arguments.of(new String[] {"--experimental-enable-distributed-tracing"},
                        "--experimental-enable-distributed-tracing=true is not supported by Etch"),
                Arguments.of(new String[] {"--experimental-memory-mlock"},
                        "--experimental-memory-mlock=true is not supported by Etch"),
                Arguments.of(new String[] {"--experimental-stop-grpc-service-on-defrag"},
                        "--experimental-stop-grpc-service-on-defrag=true is not supported by Etch"),
                Arguments.of(new String[] {"--force-new-cluster"}, "--force-new-cluster=true is not supported by Etch"),
                Arguments.of(new String[] {"--discovery-srv=example.com", "--initial-cluster="},
                        "--discovery-srv=example.com is not supported by Etch"),
                Arguments.of(new String[] {"--discovery-endpoints=http://127.0.0.1:2379"},
                        "--discovery-endpoints=http://127.0.0.1:2379 is not supported by Etch"),
                Arguments.of(new String[] {"--listen-peer-urls=http://127.0.0.1:23800,http://127.0.0.1:23801"},
                        "--listen-peer-urls with more than one URL"),
                // etcd 3.6's names and gates are named as given.
                Arguments.of(new String[] {"--memory-mlock"}, "--memory-mlock=true is not supported by Etch"),
                Arguments.of(new String[] {"--feature-gates=SetMemberLocalAddr=true"},
                        "--feature-gates=SetMemberLocalAddr=true is not supported by Etch"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void aFlagEtchCannotHonourIsRefusedByName(String[] flags, String message) {
        assertThatThrownBy(() -> check(flags))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(((ConfigException) e).exitCode()).isEqualTo(ConfigException.INVALID));
    }

    @Test
    void discoveryIsRefusedByName() {
        assertThatThrownBy(() -> ConfigLoader.parse(new String[] {"--discovery", "https://discovery.etcd.io/x"}, Map.of())
                .checkSupported())
                .hasMessageStartingWith("--discovery=https://discovery.etcd.io/x is not supported by Etch");
    }

    @Test
    void aConfigFileIsCheckedLikeFlags(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("etcd.yml");
        Files.writeString(file, "name: x\nmax-wals: 0\n");
        EtchConfig c = ConfigLoader.parse(new String[] {"--config-file", file.toString()}, Map.of());
        assertThatThrownBy(c::checkSupported).hasMessageStartingWith("--max-wals=0 is not supported by Etch");
    }

    /** etcd's own e2e suite starts every member with the initial check on. */
    @Test
    void theCompactHashCheckStartsWithAWarningThatEtchDoesNotRunItYet() throws Exception {
        assertThat(check("--experimental-initial-corrupt-check", "--experimental-corrupt-check-time=1m",
                "--experimental-compact-hash-check-enabled")).containsExactly(
                "Etch ignores --experimental-compact-hash-check-enabled=true: Etch's leader does not check its"
                        + " followers' compaction hashes yet (compare members with etcdctl endpoint hashkv --cluster)");
        assertThat(check("--feature-gates=InitialCorruptCheck=true")).isEmpty();
    }

    @Test
    void bboltTuningIsAcceptedWithAWarningNamingIt() throws Exception {
        assertThat(check("--backend-batch-limit=100", "--backend-batch-interval=10ms",
                "--backend-bbolt-freelist-type=array")).containsExactly(
                "Etch ignores --backend-bbolt-freelist-type=array: it tunes bbolt, and Etch's store is RocksDB",
                "Etch ignores --backend-batch-interval=10ms: it tunes bbolt, and Etch's store is RocksDB, written once"
                        + " per applied batch of entries and made durable by the Raft log",
                "Etch ignores --backend-batch-limit=100: it tunes bbolt, and Etch's store is RocksDB, written once"
                        + " per applied batch of entries and made durable by the Raft log");
    }

    @Test
    void otherTuningWithoutAnEffectInEtchIsWarnedAbout() throws Exception {
        assertThat(check("--experimental-compaction-batch-limit=10", "--warning-apply-duration=1s",
                "--log-package-levels=etcdserver=DEBUG", "--log-format=console"))
                .hasSize(4)
                .anySatisfy(w -> assertThat(w).startsWith("Etch ignores --experimental-compaction-batch-limit=10: "))
                .anySatisfy(w -> assertThat(w).startsWith("Etch ignores --warning-apply-duration=1s: "))
                .anySatisfy(w -> assertThat(w).startsWith("Etch ignores --log-package-levels=etcdserver=DEBUG: "))
                .anySatisfy(w -> assertThat(w).startsWith("Etch ignores --log-format=console: "));
    }

    @Test
    void aQuotaIsAcceptedWithoutAWarning() throws Exception {
        assertThat(check("--quota-backend-bytes=4294967296")).isEmpty();
    }

    @Test
    void aQuotaAboveEightGibibytesGetsEtcdsWarningToo() throws Exception {
        assertThat(check("--quota-backend-bytes=17179869184")).first().isEqualTo(
                "quota exceeds the maximum value quota-size-bytes=17179869184 quota-maximum-size-bytes=8589934592");
    }
}
