package io.etch.ctl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A set of flags, parsed as spf13/pflag parses them (interspersed, --, shorthands, = values). */
final class FlagSet {
    private final Map<String, Flag> byName = new TreeMap<>();

    Flag add(Flag f) {
        byName.put(f.name, f);
        return f;
    }

    Flag bool(String name, String shorthand, boolean def, String usage) {
        return add(new Flag(name, shorthand, Flag.Type.BOOL, Boolean.toString(def), usage));
    }

    Flag string(String name, String shorthand, String def, String usage) {
        return add(new Flag(name, shorthand, Flag.Type.STRING, def, usage));
    }

    Flag integer(String name, long def, String usage) {
        return add(new Flag(name, "", Flag.Type.INT64, Long.toString(def), usage));
    }

    Flag duration(String name, String def, String usage) {
        return add(new Flag(name, "", Flag.Type.DURATION, def, usage));
    }

    Flag strings(String name, String def, String usage) {
        return add(new Flag(name, "", Flag.Type.STRINGS, def, usage));
    }

    Flag lookup(String name) {
        return byName.get(name);
    }

    Flag shorthand(char c) {
        for (Flag f : byName.values()) {
            if (f.shorthand.equals(String.valueOf(c))) {
                return f;
            }
        }
        return null;
    }

    Collection<Flag> sorted() {
        return byName.values();
    }

    boolean isEmpty() {
        return byName.isEmpty();
    }

    /** A parse failure, with pflag's wording. */
    static final class ParseError extends Exception {
        ParseError(String message) {
            super(message);
        }
    }

    /** The result of a parse: positional arguments, and how many came before a "--" (-1: none). */
    record Parsed(List<String> args, int argsLenAtDash) {
    }

    /**
     * Parses {@code args} against this set; positional arguments may be interspersed with flags, "--"
     * ends the flags. Returns the positional arguments.
     */
    Parsed parse(List<String> args) throws ParseError {
        List<String> positional = new ArrayList<>();
        int dash = -1;
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (s.length() == 0 || s.charAt(0) != '-' || s.length() == 1) {
                positional.add(s);
                continue;
            }
            if (s.charAt(1) == '-') {
                if (s.length() == 2) {
                    dash = positional.size();
                    positional.addAll(args.subList(i + 1, args.size()));
                    break;
                }
                i = parseLong(s, args, i);
            } else {
                i = parseShort(s, args, i);
            }
        }
        return new Parsed(positional, dash);
    }

    private int parseLong(String s, List<String> args, int i) throws ParseError {
        String name = s.substring(2);
        if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(0) == '=') {
            throw new ParseError("bad flag syntax: " + s);
        }
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
            value = name.substring(eq + 1);
            name = name.substring(0, eq);
        }
        Flag f = byName.get(name);
        if (f == null) {
            if (name.equals("help")) {
                throw new ParseError("help");
            }
            throw new ParseError("unknown flag: --" + name);
        }
        if (value == null) {
            if (!f.noOptDefVal().isEmpty()) {
                value = f.noOptDefVal();
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new ParseError("flag needs an argument: " + s);
            }
        }
        set(f, value);
        return i;
    }

    private int parseShort(String s, List<String> args, int i) throws ParseError {
        String shorthands = s.substring(1);
        while (!shorthands.isEmpty()) {
            char c = shorthands.charAt(0);
            Flag f = shorthand(c);
            if (f == null) {
                if (c == 'h') {
                    throw new ParseError("help");
                }
                throw new ParseError("unknown shorthand flag: '" + c + "' in -" + shorthands);
            }
            String value;
            if (shorthands.length() > 2 && shorthands.charAt(1) == '=') {
                value = shorthands.substring(2);
                shorthands = "";
            } else if (!f.noOptDefVal().isEmpty()) {
                value = f.noOptDefVal();
                shorthands = shorthands.substring(1);
            } else if (shorthands.length() > 1) {
                value = shorthands.substring(1);
                shorthands = "";
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
                shorthands = "";
            } else {
                throw new ParseError("flag needs an argument: '" + c + "' in -" + shorthands);
            }
            set(f, value);
        }
        return i;
    }

    private static void set(Flag f, String value) throws ParseError {
        try {
            f.set(value);
        } catch (IllegalArgumentException e) {
            throw new ParseError("invalid argument " + Go.quote(value) + " for " + Go.quote(f.errorName()) + " flag: "
                + e.getMessage());
        }
    }
}
