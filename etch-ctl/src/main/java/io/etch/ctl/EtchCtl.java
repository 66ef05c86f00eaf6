package io.etch.ctl;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * etchctl: a command-line client for Etch and etcd v3 that takes etcdctl 3.5's commands, flags,
 * ETCDCTL_* environment variables and output formats, and exits with its exit codes.
 */
public final class EtchCtl {
    final Map<String, String> env;
    final InputStream in;
    final PrintStream out;
    final PrintStream err;
    /** Counted down when the user asks a waiting command (lock, elect) to stop: SIGINT, SIGTERM, or a test. */
    final CountDownLatch stop = new CountDownLatch(1);
    private Command root;
    private boolean envApplied;
    private Display display;
    private Client client;

    public EtchCtl(Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
        this.env = env;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        if (args.length > 0 && !args[0].equals("version") && !args[0].equals("help") && !args[0].equals("-h")
            && !args[0].equals("--help")) {
            Transport.prepare();
        }
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
            StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        EtchCtl ctl = new EtchCtl(System.getenv(), System.in, out, err);
        ctl.isMain = true;
        int code = ctl.run(args);
        out.flush();
        err.flush();
        Runtime.getRuntime().halt(code);
    }

    private boolean isMain;

    /** In the etchctl process, SIGINT and SIGTERM ask a waiting command to finish (lock, elect) instead of ending it. */
    void handleSignals() {
        if (!isMain) {
            return;
        }
        sun.misc.SignalHandler h = sig -> stop.countDown();
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), h);
    }

    /** Asks a waiting command to finish (as SIGINT or SIGTERM does). */
    public void interrupt() {
        stop.countDown();
    }

    /** Runs one command line and returns the exit code. */
    public int run(String... argv) {
        List<String> args = Arrays.asList(argv);
        try {
            return execute(args);
        } catch (Exit e) {
            out.flush();
            if (e.text != null) {
                err.println("Error: " + e.text);
            }
            return e.code;
        } finally {
            out.flush();
            if (client != null) {
                client.close();
            }
        }
    }

    private int execute(List<String> args) {
        root = Commands.root(this);
        Command cmd = root;
        List<String> rest = new ArrayList<>(args);
        while (true) {
            List<String> words = stripFlags(rest, cmd);
            if (words.isEmpty()) {
                break;
            }
            Command next = cmd.findChild(words.get(0));
            if (next == null) {
                break;
            }
            rest.remove(words.get(0));
            cmd = next;
        }
        if (cmd == root && !cmd.children.isEmpty()) {
            List<String> words = stripFlags(rest, cmd);
            if (!words.isEmpty()) {
                String msg = "unknown command " + Go.quote(words.get(0)) + " for \"etcdctl\"";
                err.println("Error: " + msg);
                err.println("Run 'etcdctl --help' for usage.");
                throw Exit.error(Exit.ERROR, msg);
            }
        }
        FlagSet.Parsed parsed;
        try {
            parsed = cmd.allFlags().parse(rest);
        } catch (FlagSet.ParseError e) {
            err.println("Error: " + e.getMessage());
            out.print(Usage.of(cmd));
            out.flush();
            err.println();
            throw Exit.error(Exit.ERROR, e.getMessage());
        }
        if (cmd.flag("help").bool()) {
            out.print(Usage.of(cmd));
            return 0;
        }
        if (!cmd.runnable()) {
            out.print(Usage.of(cmd));
            return 0;
        }
        Invocation inv = new Invocation(this, cmd, parsed.args(), parsed.argsLenAtDash(), args);
        try {
            cmd.action.run(inv);
        } catch (Exit e) {
            throw e;
        } catch (io.grpc.StatusRuntimeException e) {
            throw Exit.error(Exit.ERROR, Errors.text(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Exit.error(Exit.INTERRUPTED, "interrupted");
        } catch (Exception e) {
            throw Exit.error(Exit.ERROR, e.getMessage() == null ? e.toString() : e.getMessage());
        }
        return 0;
    }

    /** cobra's stripFlags: the words of args that are not flags or flag values. */
    private static List<String> stripFlags(List<String> args, Command c) {
        FlagSet flags = c.allFlags();
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (s.equals("--")) {
                break;
            }
            if (s.startsWith("--") && !s.contains("=")) {
                Flag f = flags.lookup(s.substring(2));
                if (f == null || f.noOptDefVal().isEmpty()) {
                    i++;
                }
            } else if (s.startsWith("-") && !s.contains("=") && s.length() == 2) {
                Flag f = flags.shorthand(s.charAt(1));
                if (f == null || f.noOptDefVal().isEmpty()) {
                    i++;
                }
            } else if (!s.startsWith("-") || s.equals("-")) {
                words.add(s);
            }
        }
        return words;
    }

    // ---- what every command that talks to a server shares (etcdctl's clientConfigFromCmd)

    /** Sets the global flags not given on the command line from their ETCDCTL_* variables, once. */
    void applyEnv(Invocation inv) {
        if (envApplied) {
            return;
        }
        envApplied = true;
        FlagSet inherited = inv.command().inheritedFlags();
        List<String> used = new ArrayList<>();
        for (Flag f : inherited.sorted()) {
            String key = "ETCDCTL_" + f.name.toUpperCase().replace('-', '_');
            String v = env.get(key);
            if (f.changed) {
                if (v != null) {
                    log("fatal", "flags/flag.go:85",
                        "conflicting environment variable is shadowed by corresponding command-line flag (either unset environment variable or disable flag))",
                        "environment-variable", key);
                    throw Exit.quiet(Exit.ERROR);
                }
                continue;
            }
            if (v != null && !v.isEmpty()) {
                used.add(key);
                try {
                    f.set(v);
                    f.changed = false;
                } catch (IllegalArgumentException ignored) {
                    // etcdctl ignores a variable it cannot parse and keeps the default
                }
            }
        }
        for (String k : env.keySet()) {
            if (k.startsWith("ETCDCTL_") && !used.contains(k) && !k.equals("ETCDCTL_API")
                && !k.equals("ETCDCTL_WATCH_KEY") && !k.equals("ETCDCTL_WATCH_RANGE_END")) {
                log("warn", "flags/flag.go:93", "unrecognized environment variable", "environment-variable", k + "=" + env.get(k));
            }
        }
        if (inv.bool("debug")) {
            for (Flag f : inherited.sorted()) {
                err.println("ETCDCTL_" + f.name.toUpperCase().replace('-', '_') + "=" + f.display());
            }
        }
    }

    /** A log line in the JSON form etcdctl's zap logger writes. */
    void log(String level, String caller, String msg, String... kv) {
        StringBuilder s = new StringBuilder("{\"level\":\"").append(level).append("\",\"ts\":\"").append(Instant.now())
            .append("\",\"caller\":\"").append(caller).append("\",\"msg\":").append(new GoJson().string(msg));
        for (int i = 0; i + 1 < kv.length; i += 2) {
            s.append(',').append(new GoJson().string(kv[i])).append(':').append(new GoJson().string(kv[i + 1]));
        }
        err.println(s.append('}'));
    }

    /** The printer chosen by -w and --hex. */
    Display display(Invocation inv) {
        applyEnv(inv);
        if (display == null) {
            Display.Format f = Display.parseFormat(inv.string("write-out"));
            if (f == null) {
                throw Exit.error(Exit.BAD_FEATURE, "unsupported output format");
            }
            display = new Display(f, inv.bool("hex"), out, err);
        }
        return display;
    }

    /** The client configuration from the global flags (etcdctl's clientConfigFromCmd). */
    Client.Config config(Invocation inv) {
        applyEnv(inv);
        String cert = nonEmpty(inv, "cert");
        String key = nonEmpty(inv, "key");
        String cacert = nonEmpty(inv, "cacert");
        display(inv);
        List<String> eps = Discovery.endpoints(this, inv);
        String user = inv.string("user");
        String password = inv.string("password");
        String u = null;
        String p = null;
        if (!user.isEmpty()) {
            if (password.isEmpty()) {
                int colon = user.indexOf(':');
                if (colon < 0) {
                    u = user;
                    p = Passwords.ask(this, "Password: ");
                } else {
                    u = user.substring(0, colon);
                    p = user.substring(colon + 1);
                }
            } else {
                u = user;
                p = password;
            }
        }
        String serverName = inv.bool("insecure-discovery") ? null : emptyToNull(inv.string("discovery-srv"));
        boolean tls = cert != null || key != null || cacert != null || serverName != null || !inv.bool("insecure-transport");
        return new Client.Config(eps, inv.number("dial-timeout"), inv.number("keepalive-time"), inv.number("keepalive-timeout"),
            tls, cert, key, cacert, inv.bool("insecure-skip-tls-verify"), serverName, u, p, inv.number("command-timeout"));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String nonEmpty(Invocation inv, String name) {
        Flag f = inv.flag(name);
        if (f.string().isEmpty() && f.changed) {
            throw Exit.error(Exit.BAD_ARGS, "empty string is passed to --" + name + " option");
        }
        return emptyToNull(f.string());
    }

    /** The client for this run, made on first use. */
    Client client(Invocation inv) {
        if (client == null) {
            client = new Client(config(inv));
        }
        return client;
    }

    Client newClient(Client.Config cfg) {
        Client c = new Client(cfg);
        if (client == null) {
            client = c;
        }
        return c;
    }
}
