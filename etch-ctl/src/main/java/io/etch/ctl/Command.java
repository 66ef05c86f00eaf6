package io.etch.ctl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A command of the tree, in the manner of spf13/cobra's (etcdctl's command library). */
final class Command {
    /** What a runnable command does. */
    interface Action {
        void run(Invocation inv) throws Exception;
    }

    final String use;
    final String shortDesc;
    final String longDesc;
    final FlagSet local = new FlagSet();
    final FlagSet persistent = new FlagSet();
    final List<Command> children = new ArrayList<>();
    Command parent;
    final Action action;

    Command(String use, String shortDesc, String longDesc, Action action) {
        this.use = use;
        this.shortDesc = shortDesc;
        this.longDesc = longDesc;
        this.action = action;
    }

    String name() {
        int sp = use.indexOf(' ');
        return sp < 0 ? use : use.substring(0, sp);
    }

    Command add(Command child) {
        child.parent = this;
        children.add(child);
        children.sort(Comparator.comparing(Command::name));
        return this;
    }

    boolean runnable() {
        return action != null;
    }

    String path() {
        return parent == null ? name() : parent.path() + " " + name();
    }

    /** cobra's UseLine: the command path, its use, and "[flags]" when it has flags. */
    String useLine() {
        String line = parent == null ? use : parent.path() + " " + use;
        if (!line.contains("[flags]")) {
            line += " [flags]";
        }
        return line;
    }

    /** The flags of this command: its local and persistent ones, and its help flag. */
    FlagSet localFlags() {
        FlagSet set = new FlagSet();
        local.sorted().forEach(set::add);
        persistent.sorted().forEach(set::add);
        return set;
    }

    /** The persistent flags of every ancestor. */
    FlagSet inheritedFlags() {
        FlagSet set = new FlagSet();
        for (Command c = parent; c != null; c = c.parent) {
            for (Flag f : c.persistent.sorted()) {
                if (set.lookup(f.name) == null && local.lookup(f.name) == null && persistent.lookup(f.name) == null) {
                    set.add(f);
                }
            }
        }
        return set;
    }

    /** Every flag that parses on this command. */
    FlagSet allFlags() {
        FlagSet set = localFlags();
        inheritedFlags().sorted().forEach(set::add);
        return set;
    }

    Flag flag(String name) {
        Flag f = allFlags().lookup(name);
        if (f == null) {
            throw new IllegalStateException("no flag " + name + " on " + path());
        }
        return f;
    }

    /** cobra's findNext with prefix matching: an exact name, or the only child the prefix names. */
    Command findChild(String next) {
        Command prefixMatch = null;
        int matches = 0;
        for (Command c : children) {
            if (c.name().equals(next)) {
                return c;
            }
            if (c.name().startsWith(next)) {
                prefixMatch = c;
                matches++;
            }
        }
        return matches == 1 ? prefixMatch : null;
    }
}
