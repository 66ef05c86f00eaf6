package io.etch.bench;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * etch-bench: a low-level load generator for etcd v3 compatible servers (Etch, etcd), in the
 * manner of etcd's {@code benchmark} tool. It talks gRPC directly through the generated stubs.
 * The global flags may be given before or after the command, as with etcd's tool.
 */
@Command(name = "etch-bench", mixinStandardHelpOptions = true, version = "etch-bench 0.1.0",
    description = {"A low-level benchmark tool for etcd v3 compatible servers.",
        "It uses gRPC directly and does not depend on an etcd client library."},
    subcommands = {PutCommand.class, RangeCommand.class, WatchLatencyCommand.class, CommandLine.HelpCommand.class})
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

    /** Checks the global flags; returns the settings the load runner needs. */
    LoadRunner.Settings settings() {
        if (conns <= 0) {
            throw new IllegalArgumentException("expected positive --conns, got (" + conns + ")");
        }
        if (clients <= 0) {
            throw new IllegalArgumentException("expected positive --clients, got (" + clients + ")");
        }
        List<String> eps = endpoints.stream().map(String::trim).filter(e -> !e.isEmpty()).toList();
        if (eps.isEmpty()) {
            throw new IllegalArgumentException("no --endpoints given");
        }
        return new LoadRunner.Settings(eps, conns, clients);
    }
}
