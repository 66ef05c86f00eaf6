package io.etch.bench;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * etch-bench: a low-level load generator for etcd v3 compatible servers (Etch, etcd), in the
 * manner of etcd's {@code benchmark} tool: the same commands, flags, defaults and report. It talks
 * gRPC directly through the generated stubs. The global flags may be given before or after the
 * command, as with etcd's tool.
 */
@Command(name = "etch-bench", mixinStandardHelpOptions = true, version = "etch-bench 0.1.0",
    description = {"A low-level benchmark tool for etcd v3 compatible servers.",
        "It uses gRPC directly and does not depend on an etcd client library."},
    subcommands = {PutCommand.class, RangeCommand.class, TxnPutCommand.class, TxnMixedCommand.class,
        WatchLatencyCommand.class, LeaseKeepaliveCommand.class, FailoverCommand.class, CommandLine.HelpCommand.class})
public final class BenchMain {
    @Option(names = "--endpoints", split = ",", defaultValue = "127.0.0.1:2379", scope = ScopeType.INHERIT,
        paramLabel = "HOST:PORT", description = "gRPC endpoints, comma separated (default: ${DEFAULT-VALUE})")
    List<String> endpoints;

    @Option(names = "--conns", defaultValue = "1", scope = ScopeType.INHERIT,
        description = "Total number of gRPC connections (default: ${DEFAULT-VALUE})")
    int conns;

    @Option(names = "--clients", defaultValue = "1", scope = ScopeType.INHERIT,
        description = "Total number of gRPC clients, i.e. requests in flight (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--precise", scope = ScopeType.INHERIT, description = "Use full floating point precision")
    boolean precise;

    @Option(names = "--sample", scope = ScopeType.INHERIT, description = "Sample requests for every second")
    boolean sample;

    @Option(names = "--dial-timeout", defaultValue = "0", scope = ScopeType.INHERIT, paramLabel = "DURATION",
        description = "Dial timeout for client connections, e.g. 5s (default: 0, wait up to 10s and start anyway)")
    String dialTimeout;

    @Option(names = "--target-leader", scope = ScopeType.INHERIT, description = "Connect only to the leader node")
    boolean targetLeader;

    @Option(names = "--cacert", scope = ScopeType.INHERIT, paramLabel = "FILE",
        description = "Verify certificates of TLS-enabled secure servers using this CA bundle")
    String cacert;

    @Option(names = "--cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
        description = "Identify secure client using this TLS certificate file")
    String cert;

    @Option(names = "--key", scope = ScopeType.INHERIT, paramLabel = "FILE",
        description = "Identify secure client using this TLS key file")
    String key;

    @Option(names = "--user", scope = ScopeType.INHERIT, hidden = true, description = "Username[:password] (not supported)")
    String user;

    @Option(names = "--no-progress", scope = ScopeType.INHERIT,
        description = "Do not draw the progress bar (it is drawn on stderr only when stderr is a terminal)")
    boolean noProgress;

    @Option(names = "--result-line", scope = ScopeType.INHERIT,
        description = "Also print one machine-readable line per report: etch-bench-result op=... rps=... p99=...")
    boolean resultLine;

    @Option(names = "--warmup", defaultValue = "5000", scope = ScopeType.INHERIT,
        description = "Untimed requests before the run, serializable reads of a key no benchmark writes, so that"
            + " the client's JIT compiles before the measurement rather than during it; 0 for none (etcd's tool"
            + " has none) (default: ${DEFAULT-VALUE})")
    int warmup;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new BenchMain());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                cmd.getErr().println("etch-bench: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        System.exit(cli.execute(args));
    }

    /** Checks the global flags; returns the settings every command uses. */
    BenchSettings settings() {
        if (conns <= 0) {
            throw new IllegalArgumentException("expected positive --conns, got (" + conns + ")");
        }
        if (clients <= 0) {
            throw new IllegalArgumentException("expected positive --clients, got (" + clients + ")");
        }
        if (user != null) {
            throw new IllegalArgumentException("--user is not supported");
        }
        List<String> eps = endpoints.stream().map(String::trim).filter(e -> !e.isEmpty()).toList();
        if (eps.isEmpty()) {
            throw new IllegalArgumentException("no --endpoints given");
        }
        long dial = GoFormat.parseDuration(dialTimeout);
        if (dial < 0) {
            throw new IllegalArgumentException("expected non-negative --dial-timeout, got " + dialTimeout);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("expected non-negative --warmup, got (" + warmup + ")");
        }
        boolean progress = !noProgress && ProgressBar.stderrIsTerminal();
        return new BenchSettings(eps, conns, clients, precise, sample, progress, dial / 1_000_000L, targetLeader,
            resultLine, warmup, Connections.tls(cacert, cert, key));
    }
}
