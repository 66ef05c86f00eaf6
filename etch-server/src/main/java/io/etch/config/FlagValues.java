package io.etch.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings gathered from one source (command line plus environment, or a config file), each already
 * checked and normalised by its {@link FlagSpec}. Unset flags read as their defaults.
 */
final class FlagValues {
    private final Map<String, String> values = new LinkedHashMap<>();

    /** Sets a flag from text, checking it; the reason etcd would give is thrown if it is not acceptable. */
    void set(FlagSpec spec, String value) {
        values.put(spec.name(), spec.normalize(value));
    }

    boolean isSet(String name) {
        return values.containsKey(name);
    }

    Set<String> setNames() {
        return new LinkedHashSet<>(values.keySet());
    }

    /** Overrides a value after the fact (etcd's own rewrites, such as the initial cluster from the name). */
    void replace(String name, String normalized) {
        values.put(name, normalized);
    }

    String string(String name) {
        String v = values.get(name);
        return v != null ? v : EtcdFlags.spec(name).defaultValue();
    }

    boolean bool(String name) {
        return Boolean.parseBoolean(string(name));
    }

    /** Unsigned values come back as the same 64 bits; they are far below 2^63 in practice. */
    long uint(String name) {
        return Long.parseUnsignedLong(string(name));
    }

    long integer(String name) {
        return Long.parseLong(string(name));
    }

    Duration duration(String name) {
        return GoValues.parseDuration(string(name));
    }

    /** A comma-separated value as a list; the empty text is the empty list. */
    List<String> list(String name) {
        String v = string(name);
        return v.isEmpty() ? List.of() : List.of(v.split(",", -1));
    }
}
