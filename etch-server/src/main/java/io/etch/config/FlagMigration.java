package io.etch.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd 3.6 renamed most {@code --experimental-*} flags and turned the boolean ones into {@code --feature-gates}.
 * Both spellings are accepted here: the old name with etcd 3.6's deprecation warning, the two together refused
 * as 3.6 refuses them. Afterwards both names of a pair hold the one effective value, so code may read either.
 */
final class FlagMigration {
    /** Old experimental name to its 3.6 name (etcd's experimentalFlagMigrationMap, plus max-learners). */
    static final Map<String, String> RENAMED = renamed();

    /** Server feature gates of etcd 3.6 with their defaults and stage. */
    static final Map<String, Gate> GATES = gates();

    record Gate(String name, boolean enabledByDefault, boolean alpha, String experimentalFlag) {}

    private FlagMigration() {}

    private static Map<String, String> renamed() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : List.of("compact-hash-check-time", "corrupt-check-time", "compaction-batch-limit",
                "watch-progress-notify-interval", "warning-apply-duration", "bootstrap-defrag-threshold-megabytes",
                "memory-mlock", "snapshot-catchup-entries", "compaction-sleep-interval", "downgrade-check-time",
                "peer-skip-client-san-verification", "enable-distributed-tracing", "distributed-tracing-address",
                "distributed-tracing-service-name", "distributed-tracing-instance-id",
                "distributed-tracing-sampling-rate", "warning-unary-request-duration", "max-learners")) {
            m.put("experimental-" + name, name);
        }
        return m;
    }

    private static Map<String, Gate> gates() {
        Map<String, Gate> m = new LinkedHashMap<>();
        for (Gate g : List.of(
                new Gate("StopGRPCServiceOnDefrag", false, true, "experimental-stop-grpc-service-on-defrag"),
                new Gate("InitialCorruptCheck", false, true, "experimental-initial-corrupt-check"),
                new Gate("CompactHashCheck", false, true, "experimental-compact-hash-check-enabled"),
                new Gate("TxnModeWriteWithSharedBuffer", true, false, "experimental-txn-mode-write-with-shared-buffer"),
                new Gate("LeaseCheckpoint", false, true, "experimental-enable-lease-checkpoint"),
                new Gate("LeaseCheckpointPersist", false, true, "experimental-enable-lease-checkpoint-persist"),
                new Gate("SetMemberLocalAddr", false, true, null))) {
            m.put(g.name(), g);
        }
        return m;
    }

    /** Brings both spellings of every migrated setting to one value; refuses what etcd 3.6 refuses. */
    static void reconcile(FlagValues v, List<String> warnings) throws ConfigException {
        for (Map.Entry<String, String> e : RENAMED.entrySet()) {
            String old = e.getKey();
            String current = e.getValue();
            if (v.isSet(old) && v.isSet(current)) {
                throw new ConfigException("cannot set --" + old + " and --" + current
                        + " at the same time, please use --" + current + " only");
            }
            if (v.isSet(old)) {
                warnings.add("--" + old + " is deprecated in v3.6 and will be decommissioned in v3.7. Use '--"
                        + current + "' instead.");
                v.replace(current, v.string(old));
            } else if (v.isSet(current)) {
                v.replace(old, v.string(current));
            }
        }
        Map<String, Boolean> gates = parseGates(v.string("feature-gates"));
        for (Gate g : GATES.values()) {
            String flag = g.experimentalFlag();
            if (flag == null) {
                continue;
            }
            if (v.isSet(flag)) {
                // As etcd: only a gate named in the text conflicts (AllAlpha does not).
                if (v.string("feature-gates").contains(g.name())) {
                    throw new ConfigException("cannot specify both flags: --" + flag + "=" + v.bool(flag)
                            + " and --feature-gates=" + g.name() + "=" + gates.get(g.name())
                            + " at the same time, please just use --feature-gates=" + g.name() + "="
                            + gates.get(g.name()));
                }
                warnings.add("--" + flag + " is deprecated in v3.6 and will be decommissioned in v3.7. Use '--feature-gates="
                        + g.name() + "=" + v.bool(flag) + "' instead.");
            } else if (gates.containsKey(g.name())) {
                v.replace(flag, Boolean.toString(gates.get(g.name())));
            }
        }
    }

    /**
     * Parses {@code --feature-gates} ("Name=true,Other=false"; AllAlpha and AllBeta set every gate of that stage
     * not named itself) into the gates explicitly given, with etcd's errors.
     */
    static Map<String, Boolean> parseGates(String text) throws ConfigException {
        Map<String, Boolean> given = new LinkedHashMap<>();
        Boolean allAlpha = null;
        Boolean allBeta = null;
        for (String part : text.split(",")) {
            String item = part.strip();
            if (item.isEmpty()) {
                continue;
            }
            String[] kv = item.split("=", 2);
            String key = kv[0].strip();
            if (kv.length != 2) {
                throw new ConfigException("invalid value \"" + text + "\" for flag -feature-gates: missing bool value for "
                        + key);
            }
            Boolean value = goBool(kv[1].strip());
            if (value == null) {
                throw new ConfigException("invalid value \"" + text + "\" for flag -feature-gates: invalid value of "
                        + key + "=" + kv[1].strip() + ", err: strconv.ParseBool: parsing " + GoValues.quote(kv[1].strip())
                        + ": invalid syntax");
            }
            if (key.equals("AllAlpha")) {
                allAlpha = value;
            } else if (key.equals("AllBeta")) {
                allBeta = value;
            } else if (!GATES.containsKey(key)) {
                throw new ConfigException("invalid value \"" + text + "\" for flag -feature-gates: unrecognized feature gate: "
                        + key);
            } else {
                given.put(key, value);
            }
        }
        for (Gate g : GATES.values()) {
            Boolean all = g.alpha() ? allAlpha : allBeta;
            if (all != null && !given.containsKey(g.name())) {
                given.put(g.name(), all);
            }
        }
        return given;
    }

    /** Go's strconv.ParseBool. */
    private static Boolean goBool(String s) {
        return switch (s) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> null;
        };
    }
}
