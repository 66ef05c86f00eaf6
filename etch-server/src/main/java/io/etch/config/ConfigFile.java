package io.etch.config;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads etcd's --config-file: a YAML mapping whose keys are etcd's (mostly the flag names), with URL lists as
 * comma-separated strings, durations as integer nanoseconds (a Go duration string is accepted too), and TLS
 * settings nested under client-transport-security / peer-transport-security. Keys etcd does not read are
 * ignored, as etcd ignores them, with a warning.
 */
final class ConfigFile {
    /** Nested security keys and the flags they stand for, client side then peer side. */
    private static final Map<String, String[]> SECURITY_KEYS = Map.of(
            "cert-file", new String[] {"cert-file", "peer-cert-file"},
            "key-file", new String[] {"key-file", "peer-key-file"},
            "client-cert-file", new String[] {"client-cert-file", "peer-client-cert-file"},
            "client-key-file", new String[] {"client-key-file", "peer-client-key-file"},
            "client-cert-auth", new String[] {"client-cert-auth", "peer-client-cert-auth"},
            "trusted-ca-file", new String[] {"trusted-ca-file", "peer-trusted-ca-file"},
            "auto-tls", new String[] {"auto-tls", "peer-auto-tls"},
            "allowed-cn", new String[] {null, "peer-cert-allowed-cn"},
            "allowed-hostname", new String[] {"client-cert-allowed-hostname", "peer-cert-allowed-hostname"});

    private static final Map<String, String> SOCKET_KEYS =
            Map.of("reuse-port", "socket-reuse-port", "reuse-address", "socket-reuse-address");

    private ConfigFile() {}

    static FlagValues read(String path, List<String> warnings) throws ConfigException {
        String text;
        try {
            text = Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("open " + path + ": no such file or directory");
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("open " + path + ": " + e.getMessage());
        }
        Object doc;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(path).setSchema(new CoreSchema()).build();
            doc = new Load(settings).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException("error converting YAML to JSON: " + e.getMessage());
        }
        FlagValues values = new FlagValues();
        if (doc == null) {
            return values;
        }
        if (!(doc instanceof Map<?, ?> top)) {
            throw new ConfigException("config file " + path + " must hold a YAML mapping of etcd settings");
        }
        for (Map.Entry<?, ?> e : top.entrySet()) {
            // encoding/json matches keys without regard to case
            String key = String.valueOf(e.getKey()).toLowerCase(Locale.ROOT);
            Object value = e.getValue();
            if (value == null) {
                continue; // null leaves the default, as in Go
            }
            switch (key) {
                case "client-transport-security", "peer-transport-security" ->
                        readSecurity(path, key, value, key.startsWith("client") ? 0 : 1, values, warnings);
                case "socket-options" -> readNested(path, key, value, SOCKET_KEYS, values, warnings);
                default -> {
                    String flag = EtcdFlags.YAML_ALIASES.getOrDefault(key, key);
                    if (!EtcdFlags.YAML_KEYS.contains(key) && !EtcdFlags.YAML_ALIASES.containsKey(key)) {
                        warnings.add("config file " + path + ": ignoring unknown key " + GoValues.quote(key));
                        continue;
                    }
                    setFromYaml(path, key, EtcdFlags.spec(flag), value, values);
                }
            }
        }
        return values;
    }

    private static void readSecurity(String path, String key, Object value, int side, FlagValues values,
            List<String> warnings) throws ConfigException {
        Map<?, ?> nested = mapping(path, key, value);
        for (Map.Entry<?, ?> e : nested.entrySet()) {
            String sub = String.valueOf(e.getKey()).toLowerCase(Locale.ROOT);
            String[] flags = SECURITY_KEYS.get(sub);
            if (flags == null || flags[side] == null) {
                warnings.add("config file " + path + ": ignoring unknown key " + GoValues.quote(key + "." + sub));
                continue;
            }
            if (e.getValue() != null) {
                setFromYaml(path, key + "." + sub, EtcdFlags.spec(flags[side]), e.getValue(), values);
            }
        }
    }

    private static void readNested(String path, String key, Object value, Map<String, String> keys,
            FlagValues values, List<String> warnings) throws ConfigException {
        Map<?, ?> nested = mapping(path, key, value);
        for (Map.Entry<?, ?> e : nested.entrySet()) {
            String sub = String.valueOf(e.getKey()).toLowerCase(Locale.ROOT);
            String flag = keys.get(sub);
            if (flag == null) {
                warnings.add("config file " + path + ": ignoring unknown key " + GoValues.quote(key + "." + sub));
                continue;
            }
            if (e.getValue() != null) {
                setFromYaml(path, key + "." + sub, EtcdFlags.spec(flag), e.getValue(), values);
            }
        }
    }

    private static Map<?, ?> mapping(String path, String key, Object value) throws ConfigException {
        if (value instanceof Map<?, ?> m) {
            return m;
        }
        throw new ConfigException("config file " + path + ": " + GoValues.quote(key) + " must be a mapping");
    }

    /** Turns a YAML value into the flag text its spec checks, then sets it. */
    private static void setFromYaml(String path, String key, FlagSpec spec, Object value, FlagValues values)
            throws ConfigException {
        if (spec.name().equals("initial-cluster-state")) {
            // the file is not checked against the choices; an empty state means "new" and others are refused later
            String state = String.valueOf(value);
            if (!state.isEmpty() && !state.equals("new") && !state.equals("existing")) {
                throw new ConfigException("unexpected clusterState " + GoValues.quote(state));
            }
            if (state.isEmpty()) {
                return;
            }
        }
        try {
            values.set(spec, toFlagText(spec, value));
        } catch (IllegalArgumentException e) {
            if (spec.kind() == FlagSpec.Kind.URLS) {
                // etcd's own wording for a bad URL list in a file
                throw new ConfigException("unexpected error setting up " + key + ": " + e.getMessage());
            }
            throw new ConfigException("config file " + path + ": invalid value " + GoValues.quote(String.valueOf(value))
                    + " for " + GoValues.quote(key) + ": " + e.getMessage());
        }
    }

    private static String toFlagText(FlagSpec spec, Object value) {
        if (value instanceof Map<?, ?>) {
            throw new IllegalArgumentException("a mapping is not a " + describe(spec.kind()));
        }
        if (value instanceof List<?> list) {
            return switch (spec.kind()) {
                case STRINGS, UNIQUE_STRINGS, URLS, CORS, CHOICES -> {
                    List<String> parts = new ArrayList<>();
                    list.forEach(o -> parts.add(String.valueOf(o)));
                    yield String.join(",", parts);
                }
                default -> throw new IllegalArgumentException("a list is not a " + describe(spec.kind()));
            };
        }
        return switch (spec.kind()) {
            case DURATION -> {
                // Go's time.Duration is an integer count of nanoseconds in JSON.
                if (value instanceof Number n) {
                    yield GoValues.formatDuration(Duration.ofNanos(integral(n).longValueExact()));
                }
                yield String.valueOf(value);
            }
            case BOOL -> {
                if (value instanceof Boolean b) {
                    yield b.toString();
                }
                yield yaml11Bool(String.valueOf(value));
            }
            case UINT, INT, UINT32 -> {
                if (value instanceof Number n) {
                    yield integral(n).toString();
                }
                yield String.valueOf(value);
            }
            default -> String.valueOf(value);
        };
    }

    private static BigInteger integral(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
            return BigInteger.valueOf(n.longValue());
        }
        if (n instanceof BigInteger b) {
            return b;
        }
        throw new IllegalArgumentException("not an integer");
    }

    /** etcd reads its file with YAML 1.1, where yes/no/on/off are booleans too. */
    private static String yaml11Bool(String s) {
        return switch (s) {
            case "yes", "Yes", "YES", "on", "On", "ON" -> "true";
            case "no", "No", "NO", "off", "Off", "OFF" -> "false";
            default -> s;
        };
    }

    private static String describe(FlagSpec.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " setting";
    }
}
