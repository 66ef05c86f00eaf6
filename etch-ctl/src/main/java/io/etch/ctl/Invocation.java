package io.etch.ctl;

import java.util.List;

/** One run of a command: the command, its positional arguments and the whole argument list. */
record Invocation(EtchCtl ctl, Command command, List<String> args, int argsLenAtDash, List<String> rawArgs) {
    Flag flag(String name) {
        return command.flag(name);
    }

    boolean bool(String name) {
        return flag(name).bool();
    }

    String string(String name) {
        return flag(name).string();
    }

    long number(String name) {
        return flag(name).number();
    }
}
