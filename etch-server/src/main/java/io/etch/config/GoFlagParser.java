package io.etch.config;

import java.util.List;

/**
 * Reads a command line the way etcd's Go flag package does: "-flag" and "--flag" alike, "--flag=value" or
 * "--flag value", boolean flags standing alone or as "--flag=false" (never "--flag false"), parsing stops at
 * the first word that is not a flag or after "--".
 */
final class GoFlagParser {
    private GoFlagParser() {}

    /** What the command line said; {@code rest} holds the words after the flags, which etcd refuses. */
    record Result(FlagValues values, boolean help, List<String> rest) {}

    /** Parses {@code args}, adding etcd's warnings (for ignored legacy flags) to {@code warnings}. */
    static Result parse(String[] args, List<String> warnings) throws ConfigException {
        FlagValues values = new FlagValues();
        int i = 0;
        while (i < args.length) {
            String arg = args[i];
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                break;
            }
            int dashes = 1;
            if (arg.charAt(1) == '-') {
                dashes = 2;
                if (arg.length() == 2) { // "--" ends the flags
                    i++;
                    break;
                }
            }
            String name = arg.substring(dashes);
            if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(0) == '=') {
                throw new ConfigException("bad flag syntax: " + arg, ConfigException.USAGE);
            }
            i++;
            String value = null;
            int eq = name.indexOf('=', 1);
            if (eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            FlagSpec spec = EtcdFlags.spec(name);
            if (spec == null) {
                if (name.equals("help") || name.equals("h")) {
                    return new Result(values, true, List.of());
                }
                throw new ConfigException(
                        "flag provided but not defined: " + arg.substring(0, dashes) + name, ConfigException.USAGE);
            }
            if (spec.isBoolean()) {
                String v = value == null ? "true" : value;
                if (spec.kind() == FlagSpec.Kind.IGNORED) {
                    warnings.add("flag \"-" + name + "\" is no longer supported - ignoring.");
                    continue;
                }
                try {
                    values.set(spec, v);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException("invalid boolean value " + GoValues.quote(v) + " for -" + name + ": "
                            + e.getMessage(), ConfigException.USAGE);
                }
                continue;
            }
            if (value == null) {
                if (i >= args.length) {
                    throw new ConfigException("flag needs an argument: -" + name, ConfigException.USAGE);
                }
                value = args[i++];
            }
            try {
                values.set(spec, value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("invalid value " + GoValues.quote(value) + " for flag -" + name + ": "
                        + e.getMessage(), ConfigException.USAGE);
            }
        }
        List<String> rest = List.of(args).subList(i, args.length);
        return new Result(values, false, List.copyOf(rest));
    }
}
