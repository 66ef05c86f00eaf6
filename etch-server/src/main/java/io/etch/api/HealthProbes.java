package io.etch.api;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.auth.AuthInfo;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.errors.EtchException;
import io.etch.server.EtchServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcd's health endpoints. {@code /health} answers JSON as etcd 3.5 does (alarms, then a leader,
 * then a one-key range, serializable with {@code ?serializable=true}). {@code /livez} and
 * {@code /readyz} are etcd 3.6's Kubernetes-style probes: named checks, {@code ?verbose} lists
 * them, {@code ?exclude=NAME} skips one, {@code /readyz/NAME} runs one.
 */
final class HealthProbes {

    /** A probe's answer: HTTP status 200 or 503, and the body. */
    record Answer(boolean ok, String body) {
    }

    static final String SERIALIZABLE_READ = "serializable_read";
    static final String LINEARIZABLE_READ = "linearizable_read";
    static final String DATA_CORRUPTION = "data_corruption";

    static final List<String> LIVEZ = List.of(SERIALIZABLE_READ);
    static final List<String> READYZ = List.of(DATA_CORRUPTION, SERIALIZABLE_READ, LINEARIZABLE_READ);

    private static final ByteString HEALTH_KEY = ByteString.copyFromUtf8("health");

    private final EtchServer server;

    HealthProbes(EtchServer server) {
        this.server = server;
    }

    /** etcd's /health: {"health":"true|false","reason":"..."}. */
    CompletableFuture<Answer> health(boolean serializable, Set<String> excludedAlarms) {
        for (AlarmMember a : server.alarms()) {
            if (!excludedAlarms.contains(a.getAlarm().name())) {
                String reason = switch (a.getAlarm()) {
                    case NOSPACE -> "ALARM NOSPACE";
                    case CORRUPT -> "ALARM CORRUPT";
                    default -> "ALARM UNKNOWN";
                };
                return CompletableFuture.completedFuture(count(new Answer(false, json(false, reason))));
            }
        }
        if (!serializable && !server.hasLeader()) {
            return CompletableFuture.completedFuture(count(new Answer(false, json(false, "RAFT NO LEADER"))));
        }
        return read(serializable).handle((v, error) -> count(error == null
                ? new Answer(true, json(true, ""))
                : new Answer(false, json(false, "RANGE ERROR:" + message(error)))));
    }

    private Answer count(Answer a) {
        (a.ok() ? server.metrics().healthSuccesses : server.metrics().healthFailures).increment();
        return a;
    }

    private static String json(boolean health, String reason) {
        return "{\"health\":\"" + health + "\",\"reason\":\"" + reason.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    }

    /**
     * /livez or /readyz ({@code path} without the slash) with its {@code checks}; {@code only} set
     * when one check was asked for by its own path.
     */
    CompletableFuture<Answer> probe(String path, List<String> checks, String only, boolean verbose, Set<String> excluded) {
        if (only != null) {
            if (!checks.contains(only)) {
                return null;
            }
            return run(only).thenApply(error -> error == null
                    ? new Answer(true, "ok")
                    : new Answer(false, "[-]" + only + " failed: " + error + "\n" + path + " check failed\n"));
        }
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (String check : checks) {
            results.add(excluded.contains(check) ? CompletableFuture.completedFuture(null) : run(check));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
            StringBuilder out = new StringBuilder();
            boolean failed = false;
            for (int i = 0; i < checks.size(); i++) {
                String check = checks.get(i);
                String error = results.get(i).join();
                if (excluded.contains(check)) {
                    out.append("[+]").append(check).append(" excluded: ok\n");
                } else if (error == null) {
                    out.append("[+]").append(check).append(" ok\n");
                } else {
                    failed = true;
                    out.append("[-]").append(check).append(" failed: ").append(error).append('\n');
                }
            }
            if (failed) {
                return new Answer(false, out + path + " check failed\n");
            }
            return new Answer(true, verbose ? out + path + " check passed\n" : "ok");
        });
    }

    /** Runs one check: null when it passed, else why it failed. */
    private CompletableFuture<String> run(String check) {
        return switch (check) {
            case DATA_CORRUPTION -> CompletableFuture.completedFuture(
                    server.alarms().stream().anyMatch(a -> a.getAlarm() == AlarmType.CORRUPT)
                            ? "alarm activated: CORRUPT" : null);
            case SERIALIZABLE_READ -> read(true).handle((v, e) -> e == null ? null : message(e));
            case LINEARIZABLE_READ -> server.hasLeader()
                    ? read(false).handle((v, e) -> e == null ? null : message(e))
                    // Without a leader the read would only time out; say why at once.
                    : CompletableFuture.completedFuture("etcdserver: no leader");
            default -> CompletableFuture.completedFuture("unknown check");
        };
    }

    private CompletableFuture<Void> read(boolean serializable) {
        // Any key serves: the read only has to go through (the server refuses an empty one).
        RangeRequest probe = RangeRequest.newBuilder().setKey(HEALTH_KEY).setKeysOnly(true).setLimit(1)
                .setSerializable(serializable).build();
        try {
            return server.range(AuthInfo.MEMBER, probe)
                    .orTimeout(server.settings().requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .thenApply(r -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static String message(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof EtchException e) {
            return e.error().message();
        }
        if (cause instanceof TimeoutException) {
            return "etcdserver: request timed out";
        }
        return String.valueOf(cause.getMessage());
    }
}
