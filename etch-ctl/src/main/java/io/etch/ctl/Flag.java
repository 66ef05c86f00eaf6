package io.etch.ctl;

import java.util.ArrayList;
import java.util.List;

/** One command-line flag with pflag's semantics: a type, a default, and whether it was set. */
final class Flag {
    enum Type { BOOL, STRING, INT, INT64, UINT64, DURATION, STRINGS }

    final String name;
    final String shorthand;
    final Type type;
    final String defValue;
    final String usage;
    boolean changed;
    private Object value;
    private boolean sliceTouched;

    Flag(String name, String shorthand, Type type, String defValue, String usage) {
        this.name = name;
        this.shorthand = shorthand;
        this.type = type;
        this.defValue = defValue;
        this.usage = usage;
        this.value = parse(defValue, true);
    }

    /** What a bare {@code --flag} means (pflag's NoOptDefVal): only booleans have one. */
    String noOptDefVal() {
        return type == Type.BOOL ? "true" : "";
    }

    /** Sets the flag from text, as pflag's Value.Set; throws with Go's error text. */
    void set(String text) {
        value = parse(text, false);
        changed = true;
    }

    private Object parse(String text, boolean initial) {
        return switch (type) {
            case BOOL -> Go.parseBool(text);
            case STRING -> text;
            case INT, INT64 -> Go.parseInt(text, 0);
            case UINT64 -> Go.parseUint(text, 10);
            case DURATION -> Go.parseDuration(text);
            case STRINGS -> {
                List<String> parts = splitCsv(text, initial);
                if (initial || !sliceTouched) {
                    sliceTouched = !initial;
                    yield parts;
                }
                @SuppressWarnings("unchecked")
                List<String> all = new ArrayList<>((List<String>) value);
                all.addAll(parts);
                yield all;
            }
        };
    }

    private static List<String> splitCsv(String text, boolean initial) {
        String t = text;
        if (initial && t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        List<String> out = new ArrayList<>();
        if (t.isEmpty()) {
            return out;
        }
        for (String p : t.split(",", -1)) {
            out.add(p);
        }
        return out;
    }

    boolean bool() {
        return (Boolean) value;
    }

    String string() {
        return (String) value;
    }

    long number() {
        return (Long) value;
    }

    @SuppressWarnings("unchecked")
    List<String> strings() {
        return (List<String>) value;
    }

    /** The value as etchctl's --debug prints it (Go's %v of the flag value). */
    String display() {
        return switch (type) {
            case DURATION -> Go.duration(number());
            case STRINGS -> "[" + String.join(",", strings()) + "]";
            case UINT64 -> Go.unsigned(number());
            default -> String.valueOf(value);
        };
    }

    /** pflag's name for the flag in error messages: "-w, --write-out" or "--rev". */
    String errorName() {
        return shorthand.isEmpty() ? "--" + name : "-" + shorthand + ", --" + name;
    }
}
