package io.etch.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * One etcd server flag: its name, how its value is checked, its default (as text, the way etcd's help shows
 * it) and a one-line description for {@code --help}.
 */
record FlagSpec(String name, Kind kind, String defaultValue, Section section, String help, List<String> choices) {

    /** How a flag's text is checked and normalised; each mirrors the Go flag.Value etcd registers. */
    enum Kind {
        STRING,
        BOOL,
        /** uint / uint64: Go's base-prefix syntax. */
        UINT,
        /** int / int64. */
        INT,
        /** etcd's own uint32 flag: decimal only. */
        UINT32,
        DURATION,
        /** Comma-separated URLs, each checked; sorted. Empty text means no URLs. */
        URLS,
        /** Comma-separated origins for --cors: "*" or URLs. */
        CORS,
        /** Comma-separated strings in the order given. */
        STRINGS,
        /** Comma-separated strings, de-duplicated and sorted. */
        UNIQUE_STRINGS,
        /** One of {@link FlagSpec#choices()}. */
        CHOICE,
        /** Comma-separated, each one of {@link FlagSpec#choices()}. */
        CHOICES,
        /** A flag from etcd 0.4/2.x that etcd still accepts and ignores with a warning. */
        IGNORED
    }

    /** The groups etcd's --help uses, plus one for flags of neighbouring etcd releases. */
    enum Section {
        MEMBER("Member"),
        CLUSTERING("Clustering"),
        PROXY("v2 Proxy (accepted, not implemented by Etch)"),
        SECURITY("Security"),
        AUTH("Auth"),
        MONITORING("Profiling and Monitoring"),
        LOGGING("Logging"),
        TRACING("Experimental distributed tracing"),
        EXPERIMENTAL("Experimental feature"),
        UNSAFE("Unsafe feature"),
        OTHER_RELEASES("Accepted for compatibility with etcd 3.4 and 3.6 command lines"),
        IGNORED("Ignored");

        final String title;

        Section(String title) {
            this.title = title;
        }
    }

    FlagSpec {
        choices = List.copyOf(choices);
    }

    /** Go's flag package lets a boolean flag stand alone ("--x") and never takes its value from the next word. */
    boolean isBoolean() {
        return kind == Kind.BOOL || kind == Kind.IGNORED;
    }

    /** etcd's flags.FlagToEnv: ETCD_ and the name upper-cased with dashes turned to underscores. */
    String envName() {
        return "ETCD_" + name.replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * Checks a value as etcd's flag.Value.Set would and returns it in the form stored in the configuration.
     *
     * @throws IllegalArgumentException with the reason etcd gives
     */
    String normalize(String value) {
        return switch (kind) {
            case STRING -> value;
            case BOOL -> Boolean.toString(GoValues.parseBool(value));
            case IGNORED -> value;
            case UINT -> Long.toUnsignedString(GoValues.parseUint(value, 64));
            case INT -> Long.toString(GoValues.parseInt(value, 64));
            case UINT32 -> Long.toString(GoValues.parseDecimalUint(value, 32));
            case DURATION -> {
                try {
                    yield GoValues.formatDuration(GoValues.parseDuration(value));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(GoValues.PARSE_ERROR);
                }
            }
            case URLS -> value.isEmpty() ? "" : String.join(",", EtcdUrls.parseList(value));
            case CORS -> value.equals("*") ? "*" : cors(value);
            case STRINGS -> value;
            case UNIQUE_STRINGS -> String.join(",", new TreeSet<>(List.of(value.split(",", -1))));
            case CHOICE -> {
                if (!choices.contains(value)) {
                    throw new IllegalArgumentException("invalid value");
                }
                yield value;
            }
            case CHOICES -> {
                List<String> picked = new ArrayList<>();
                for (String v : value.split(",", -1)) {
                    if (!choices.contains(v)) {
                        throw new IllegalArgumentException("invalid value " + GoValues.quote(v));
                    }
                    picked.add(v);
                }
                picked.sort(null);
                yield String.join(",", picked);
            }
        };
    }

    /** etcd's --cors list: "*" entries allowed, anything else must be a URL with a port. */
    private static String cors(String value) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String part : value.split(",", -1)) {
            out.add(part.strip().equals("*") ? "*" : EtcdUrls.parse(part));
        }
        return String.join(",", new TreeSet<>(out));
    }
}
