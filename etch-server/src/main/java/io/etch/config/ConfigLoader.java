package io.etch.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the server configuration the way etcd 3.5's server does.
 *
 * <ul>
 *   <li>With {@code --config-file} (or {@code ETCD_CONFIG_FILE}), the YAML file is the whole configuration:
 *       other flags and ETCD_* variables are ignored, though the command line must still parse.
 *   <li>Otherwise each flag comes from the command line, else from its ETCD_&lt;NAME&gt; variable (non-empty),
 *       else its default. When both are given the command line wins and a warning is recorded (etcd itself
 *       refuses to start in that case).
 *   <li>--listen-client-urls without --advertise-client-urls is an error, as in etcd.
 *   <li>When --name is changed and --initial-cluster is still etcd's default text, the initial cluster becomes
 *       name=each initial advertise peer URL, as etcd does.
 *   <li>--data-dir defaults to "${name}.etcd".
 * </ul>
 *
 * Nothing is logged here: etcd's warnings are returned in {@link EtchConfig#warnings()}.
 */
public final class ConfigLoader {
    /** Flags with a field of their own in {@link EtchConfig}; all others go to {@link EtchConfig#extras()}. */
    private static final Set<String> FIELDS = Set.of(
            "name", "data-dir", "wal-dir", "listen-client-urls", "listen-client-http-urls", "advertise-client-urls",
            "listen-peer-urls", "initial-advertise-peer-urls", "listen-metrics-urls", "initial-cluster",
            "initial-cluster-state", "initial-cluster-token", "snapshot-count", "quota-backend-bytes",
            "max-request-bytes", "max-txn-ops", "auto-compaction-mode", "auto-compaction-retention",
            "heartbeat-interval", "election-timeout", "log-level", "logger", "log-outputs",
            "experimental-watch-progress-notify-interval", "enable-pprof", "metrics", "cert-file", "key-file",
            "client-cert-file", "client-key-file", "trusted-ca-file", "client-crl-file", "client-cert-auth",
            "auto-tls", "client-cert-allowed-hostname", "peer-cert-file", "peer-key-file", "peer-client-cert-file",
            "peer-client-key-file", "peer-trusted-ca-file", "peer-crl-file", "peer-client-cert-auth",
            "peer-auto-tls", "peer-cert-allowed-cn", "peer-cert-allowed-hostname", "enable-v2",
            "force-new-cluster", "strict-reconfig-check", "pre-vote", "initial-election-tick-advance",
            "max-concurrent-streams", "grpc-keepalive-min-time", "grpc-keepalive-interval",
            "grpc-keepalive-timeout", "auth-token", "bcrypt-cost", "auth-token-ttl", "enable-grpc-gateway",
            "unsafe-no-fsync", "config-file", "version");

    private static final Set<String> LOG_LEVELS =
            Set.of("debug", "info", "warn", "error", "dpanic", "panic", "fatal");

    private static final int MAX_ELECTION_MS = 50000;

    private ConfigLoader() {}

    private enum Source { FLAGS, FILE }

    /**
     * Reads the configuration and makes etcd's bootstrap checks ({@link EtchConfig#verifyBootstrap()}).
     *
     * @param args the command line, without the program name
     * @param env the process environment ({@code System.getenv()})
     */
    public static EtchConfig load(String[] args, Map<String, String> env) throws ConfigException {
        EtchConfig config = parse(args, env);
        if (!config.printHelp() && !config.printVersion()) {
            config.verifyBootstrap();
        }
        return config;
    }

    /**
     * Reads and validates the configuration without the bootstrap checks, for a member restarting from
     * existing data, which etcd does not hold to its --initial-cluster.
     */
    public static EtchConfig parse(String[] args, Map<String, String> env) throws ConfigException {
        List<String> warnings = new ArrayList<>();
        GoFlagParser.Result cmd = GoFlagParser.parse(args, warnings);
        if (cmd.help()) {
            return build(new FlagValues(), Source.FLAGS, "", false, true, warnings);
        }
        if (!cmd.rest().isEmpty()) {
            throw new ConfigException("'" + cmd.rest().get(0) + "' is not a valid flag");
        }
        FlagValues flags = cmd.values();
        if (flags.bool("version")) {
            return build(new FlagValues(), Source.FLAGS, "", true, false, warnings);
        }
        String configFile = flags.string("config-file");
        if (configFile.isEmpty()) {
            configFile = env.getOrDefault("ETCD_CONFIG_FILE", "");
        }
        if (!configFile.isEmpty()) {
            if (flags.setNames().size() > (flags.isSet("config-file") ? 1 : 0)) {
                warnings.add("loaded server configuration from " + configFile
                        + "; other command line flags and environment variables are ignored");
            }
            FlagValues file = ConfigFile.read(configFile, warnings);
            return build(file, Source.FILE, configFile, false, false, warnings);
        }
        applyEnvironment(flags, env, warnings);
        return build(flags, Source.FLAGS, "", false, false, warnings);
    }

    /** The configuration of a bare {@code etcd} command. */
    public static EtchConfig defaults() {
        try {
            return parse(new String[0], Map.of());
        } catch (ConfigException e) {
            throw new IllegalStateException("etcd's defaults are valid", e);
        }
    }

    /** The text to print for --help. */
    public static String helpText() {
        return EtcdFlags.helpText();
    }

    /** etcd's flags.SetFlagsFromEnv plus the warnings of its verifyEnv. */
    private static void applyEnvironment(FlagValues flags, Map<String, String> env, List<String> warnings)
            throws ConfigException {
        Set<String> fromCommandLine = flags.setNames();
        Set<String> used = new HashSet<>();
        Map<String, FlagSpec> byEnvName = new LinkedHashMap<>();
        for (FlagSpec spec : EtcdFlags.ALL.values()) {
            byEnvName.put(spec.envName(), spec);
            if (spec.name().equals("version") || fromCommandLine.contains(spec.name())) {
                continue;
            }
            String value = env.get(spec.envName());
            if (value == null || value.isEmpty()) {
                continue;
            }
            used.add(spec.envName());
            if (spec.kind() == FlagSpec.Kind.IGNORED) {
                warnings.add("flag \"-" + spec.name() + "\" is no longer supported - ignoring.");
                continue;
            }
            try {
                flags.set(spec, value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("invalid value " + GoValues.quote(value) + " for " + spec.envName() + ": "
                        + e.getMessage());
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("ETCD_") || used.contains(key) || key.equals("ETCD_UNSUPPORTED_ARCH")) {
                continue;
            }
            FlagSpec spec = byEnvName.get(key);
            if (key.equals("ETCD_VERSION")) {
                warnings.add("cannot set special environment variable ETCD_VERSION=" + e.getValue());
            } else if (spec != null && fromCommandLine.contains(spec.name())) {
                // etcd refuses to guess which of the two was meant; so does Etch.
                throw new ConfigException("conflicting environment variable " + GoValues.quote(key)
                        + " is shadowed by corresponding command-line flag (either unset environment variable"
                        + " or disable flag)");
            } else if (spec == null) {
                warnings.add("unrecognized environment variable " + key + "=" + e.getValue());
            }
        }
    }

    private static EtchConfig build(FlagValues v, Source source, String configFile, boolean printVersion,
            boolean printHelp, List<String> warnings) throws ConfigException {
        boolean fromFlags = source == Source.FLAGS;
        Set<String> explicitlySet = v.setNames();
        FlagMigration.reconcile(v, warnings);
        String name = v.string("name");
        List<String> listenClient = v.list("listen-client-urls");
        List<String> advertiseClient = v.list("advertise-client-urls");
        List<String> advertisePeer = v.list("initial-advertise-peer-urls");
        boolean mayBeProxy = !v.string("proxy").equals("off")
                || !v.string("discovery").isEmpty() && v.string("discovery-fallback").equals("proxy");
        boolean missingAdvertiseClient = fromFlags && v.isSet("listen-client-urls")
                && !v.isSet("advertise-client-urls");

        String initialCluster = v.string("initial-cluster");
        boolean discovery = !v.string("discovery").isEmpty() || !v.string("discovery-srv").isEmpty();
        if (fromFlags && (discovery || !v.string("discovery-srv-name").isEmpty()) && !v.isSet("initial-cluster")
                || !fromFlags && discovery && initialCluster.equals(EtcdFlags.DEFAULT_INITIAL_CLUSTER)) {
            initialCluster = ""; // the cluster will come from discovery
        }

        // etcd 3.4 spellings stand in for their 3.5 names when only they were given.
        List<String> logOutputs = !v.isSet("log-outputs") && v.isSet("log-output")
                ? v.list("log-output") : v.list("log-outputs");
        String logLevel = !v.isSet("log-level") && v.bool("debug") ? "debug" : v.string("log-level");
        Duration watchProgress = v.duration("watch-progress-notify-interval");

        validate(v, logOutputs, logLevel, initialCluster, missingAdvertiseClient && !mayBeProxy,
                warnings);
        if (missingAdvertiseClient) {
            advertiseClient = List.of(); // only reached for a proxy, which etcd allows this
        }

        // etcd's UpdateDefaultClusterFromName: "etcd --name x" bootstraps x alone, at its advertised URLs.
        if (!name.equals(EtcdFlags.DEFAULT_NAME) && initialCluster.equals(EtcdFlags.DEFAULT_INITIAL_CLUSTER)) {
            initialCluster = fromName(name, advertisePeer);
        }
        InitialCluster members;
        try {
            members = InitialCluster.parse(initialCluster);
        } catch (ConfigException e) {
            throw new ConfigException("error setting up initial cluster: " + e.getMessage());
        }
        String dataDir = v.string("data-dir").isEmpty() ? name + ".etcd" : v.string("data-dir");

        Map<String, String> extras = new LinkedHashMap<>();
        for (FlagSpec spec : EtcdFlags.ALL.values()) {
            if (!FIELDS.contains(spec.name()) && spec.kind() != FlagSpec.Kind.IGNORED) {
                extras.put(spec.name(), v.string(spec.name()));
            }
        }
        TlsSettings clientTls = new TlsSettings(v.string("cert-file"), v.string("key-file"),
                v.string("client-cert-file"), v.string("client-key-file"), v.string("trusted-ca-file"),
                v.string("client-crl-file"), v.bool("client-cert-auth"), v.bool("auto-tls"), List.of(),
                v.list("client-cert-allowed-hostname"));
        TlsSettings peerTls = new TlsSettings(v.string("peer-cert-file"), v.string("peer-key-file"),
                v.string("peer-client-cert-file"), v.string("peer-client-key-file"), v.string("peer-trusted-ca-file"),
                v.string("peer-crl-file"), v.bool("peer-client-cert-auth"), v.bool("peer-auto-tls"),
                v.list("peer-cert-allowed-cn"), v.list("peer-cert-allowed-hostname"));

        return new EtchConfig(
                name,
                dataDir,
                v.string("wal-dir"),
                listenClient,
                v.list("listen-client-http-urls"),
                advertiseClient,
                v.list("listen-peer-urls"),
                advertisePeer,
                v.list("listen-metrics-urls"),
                initialCluster,
                members,
                v.string("initial-cluster-state"),
                v.string("initial-cluster-token"),
                v.uint("snapshot-count"),
                v.integer("quota-backend-bytes"),
                v.uint("max-request-bytes"),
                v.uint("max-txn-ops"),
                v.string("auto-compaction-mode"),
                v.string("auto-compaction-retention"),
                v.uint("heartbeat-interval"),
                v.uint("election-timeout"),
                logLevel,
                v.string("logger"),
                logOutputs,
                watchProgress,
                v.bool("enable-pprof"),
                v.string("metrics"),
                clientTls,
                peerTls,
                v.bool("enable-v2"),
                v.bool("force-new-cluster"),
                v.bool("strict-reconfig-check"),
                v.bool("pre-vote"),
                v.bool("initial-election-tick-advance"),
                v.uint("max-concurrent-streams"),
                v.duration("grpc-keepalive-min-time"),
                v.duration("grpc-keepalive-interval"),
                v.duration("grpc-keepalive-timeout"),
                v.string("auth-token"),
                v.uint("bcrypt-cost"),
                v.uint("auth-token-ttl"),
                v.bool("enable-grpc-gateway"),
                v.bool("unsafe-no-fsync"),
                configFile,
                printVersion,
                printHelp,
                extras,
                explicitlySet,
                warnings);
    }

    /** embed.Config.Validate, in etcd's order, so the first complaint is the one etcd would make. */
    private static void validate(FlagValues v, List<String> logOutputs, String logLevel,
            String initialCluster, boolean advertiseClientMissing, List<String> warnings) throws ConfigException {
        String logger = v.string("logger");
        if (logger.equals("capnslog")) {
            throw new ConfigException("--logger=capnslog is removed in v3.5");
        }
        if (!logger.equals("zap")) {
            throw new ConfigException("unknown logger option " + GoValues.quote(logger));
        }
        if (logOutputs.size() > 1 && logOutputs.contains("default")) {
            throw new ConfigException("multi logoutput for \"default\" is not supported yet");
        }
        if (v.bool("enable-log-rotation") && logOutputs.size() != 1) {
            throw new ConfigException(
                    "--log-outputs requires a single file path when --log-rotate-config-json is defined");
        }
        if (!LOG_LEVELS.contains(logLevel.toLowerCase(Locale.ROOT))) {
            throw new ConfigException("unrecognized level: " + GoValues.quote(logLevel));
        }

        EtcdUrls.checkBindUrls(v.list("listen-peer-urls"));
        EtcdUrls.checkBindUrls(v.list("listen-client-urls"));
        EtcdUrls.checkBindUrls(v.list("listen-client-http-urls"));
        EtcdUrls.checkBindUrls(v.list("listen-metrics-urls"));
        String problem = EtcdUrls.hostProblem(v.list("initial-advertise-peer-urls"));
        if (problem != null) {
            throw new ConfigException("--initial-advertise-peer-urls "
                    + GoValues.quote(v.string("initial-advertise-peer-urls")) + " must be \"host:port\" (" + problem + ")");
        }
        problem = EtcdUrls.hostProblem(v.list("advertise-client-urls"));
        if (problem != null) {
            throw new ConfigException("--advertise-client-urls " + GoValues.quote(v.string("advertise-client-urls"))
                    + " must be \"host:port\" (" + problem + ")");
        }

        int bootstrapSources = (v.string("discovery").isEmpty() ? 0 : 1) + (initialCluster.isEmpty() ? 0 : 1)
                + (v.string("discovery-srv").isEmpty() ? 0 : 1);
        String state = v.string("initial-cluster-state");
        if (!state.equals("new") && !state.equals("existing")) {
            throw new ConfigException("unexpected clusterState " + GoValues.quote(state));
        }
        if (bootstrapSources > 1) {
            throw new ConfigException("multiple discovery or bootstrap flags are set. "
                    + "Choose one of \"initial-cluster\", \"discovery\" or \"discovery-srv\"");
        }

        long tick = v.uint("heartbeat-interval");
        long election = v.uint("election-timeout");
        if (tick == 0) {
            throw new ConfigException("--heartbeat-interval must be >0 (set to " + tick + "ms)");
        }
        if (election == 0) {
            throw new ConfigException("--election-timeout must be >0 (set to " + election + "ms)");
        }
        if (Long.compareUnsigned(5 * tick, election) > 0 || Long.compareUnsigned(tick, Long.MAX_VALUE / 5) > 0) {
            throw new ConfigException("--election-timeout[" + election + "ms] should be at least as 5 times as "
                    + "--heartbeat-interval[" + tick + "ms]");
        }
        if (Long.compareUnsigned(election, MAX_ELECTION_MS) > 0) {
            throw new ConfigException("--election-timeout[" + election + "ms] is too long, and should be set less than "
                    + MAX_ELECTION_MS + "ms");
        }

        if (advertiseClientMissing) {
            throw new ConfigException(
                    "--advertise-client-urls is required when --listen-client-urls is set explicitly");
        }

        String mode = v.string("auto-compaction-mode");
        if (!mode.isEmpty() && !mode.equals("periodic") && !mode.equals("revision")) {
            throw new ConfigException("unknown auto-compaction-mode " + GoValues.quote(mode));
        }

        boolean checkpoint = v.bool("experimental-enable-lease-checkpoint");
        boolean persist = v.bool("experimental-enable-lease-checkpoint-persist");
        if (checkpoint && !persist) {
            warnings.add("Detected that checkpointing is enabled without persistence. "
                    + "Consider enabling experimental-enable-lease-checkpoint-persist");
        }
        if (persist && !checkpoint) {
            throw new ConfigException("setting experimental-enable-lease-checkpoint-persist requires "
                    + "experimental-enable-lease-checkpoint");
        }
        Duration hashCheck = v.duration("experimental-compact-hash-check-time");
        if (hashCheck.isNegative() || hashCheck.isZero()) {
            throw new ConfigException("--experimental-compact-hash-check-time must be >0 (set to "
                    + GoValues.formatDuration(hashCheck) + ")");
        }

        int min = tlsVersion(v.string("tls-min-version"));
        int max = tlsVersion(v.string("tls-max-version"));
        if (max != 0 && min > max) {
            throw new ConfigException("min version (" + v.string("tls-min-version") + ") is greater than max version ("
                    + v.string("tls-max-version") + ")");
        }
        if (min == 13 && !v.list("cipher-suites").isEmpty()) {
            throw new ConfigException("cipher suites cannot be configured when only TLS1.3 is enabled");
        }
        if (v.bool("experimental-enable-distributed-tracing")) {
            long rate = v.integer("experimental-distributed-tracing-sampling-rate");
            if (rate < 0 || rate > 1_000_000) {
                throw new ConfigException("distributed tracing configurition is not valid: (tracing sampling rate "
                        + rate + " must be between 0 and 1000000)");
            }
        }

        // Checked when etcd starts its server rather than here, but it is a configuration mistake all the same.
        try {
            EtchConfig.compactionRetention(mode, v.string("auto-compaction-retention"));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigException("error parsing CompactionRetention: " + e.getMessage());
        }
    }

    /** Go's time.ParseDuration, for values inside other flags (--auth-token's ttl); IllegalArgumentException with Go's words. */
    public static java.time.Duration goDuration(String value) {
        return GoValues.parseDuration(value);
    }

    /** tlsutil.GetTLSVersion: 0 lets the runtime choose. */
    private static int tlsVersion(String version) throws ConfigException {
        return switch (version) {
            case "" -> 0;
            case "TLS1.2" -> 12;
            case "TLS1.3" -> 13;
            default -> throw new ConfigException(
                    "unexpected TLS version " + GoValues.quote(version) + " (must be one of: TLS1.2, TLS1.3)");
        };
    }

    /** embed.Config.InitialClusterFromName. */
    private static String fromName(String name, List<String> advertisePeerUrls) {
        String n = name.isEmpty() ? EtcdFlags.DEFAULT_NAME : name;
        List<String> pairs = new ArrayList<>();
        advertisePeerUrls.forEach(u -> pairs.add(n + "=" + u));
        return String.join(",", pairs);
    }
}
