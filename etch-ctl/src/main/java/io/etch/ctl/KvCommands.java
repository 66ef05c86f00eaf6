package io.etch.ctl;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** get, put, del, txn and compaction, as etcdctl 3.5 has them. */
final class KvCommands {
    private KvCommands() {
    }

    static void register(Command root) {
        root.add(getCommand(inv -> {
            RangeRequest req = getOp(inv.command(), inv.args());
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            RangeResponse resp = c.call(ch -> c.kv(ch).range(req));
            if (inv.bool("count-only") && d.format != Display.Format.FIELDS) {
                throw Exit.error(Exit.BAD_ARGS, "--count-only is only for `--write-out=fields`");
            }
            if (inv.bool("print-value-only")) {
                if (d.format != Display.Format.SIMPLE) {
                    throw Exit.error(Exit.BAD_ARGS, "print-value-only is only for `--write-out=simple`");
                }
                d.valueOnly = true;
            }
            d.get(resp);
        }));
        root.add(putCommand(inv -> {
            PutRequest req = putOp(inv.command(), inv.args(), inv.ctl().in);
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            d.put(c.call(ch -> c.kv(ch).put(req)));
        }));
        root.add(delCommand(inv -> {
            DeleteRangeRequest req = delOp(inv.command(), inv.args(), inv.ctl());
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            d.del(c.call(ch -> c.kv(ch).deleteRange(req)));
        }));
        Command txn = new Command("txn [options]", "Txn processes all the requests in one transaction", null, KvCommands::txn);
        txn.local.bool("interactive", "i", false, "Input transaction in interactive mode");
        root.add(txn);
        Command compaction = new Command("compaction [options] <revision>", "Compacts the event history in etcd", null, inv -> {
            if (inv.args().size() != 1) {
                throw Exit.error(Exit.BAD_ARGS, "compaction command needs 1 argument");
            }
            long rev;
            try {
                rev = Go.parseInt(inv.args().get(0), 10);
            } catch (IllegalArgumentException e) {
                throw Exit.error(Exit.ERROR, e.getMessage());
            }
            Client c = inv.ctl().client(inv);
            CompactionRequest req = CompactionRequest.newBuilder().setRevision(rev).setPhysical(inv.bool("physical")).build();
            c.call(ch -> c.kv(ch).compact(req));
            inv.ctl().out.println("compacted revision " + rev);
        });
        compaction.local.bool("physical", "", false, "'true' to wait for compaction to physically remove all old revisions");
        root.add(compaction);
    }

    static Command getCommand(Command.Action action) {
        Command cmd = new Command("get [options] <key> [range_end]", "Gets the key or a range of keys", null, action);
        FlagSet f = cmd.local;
        f.string("consistency", "", "l", "Linearizable(l) or Serializable(s)");
        f.string("order", "", "", "Order of results; ASCEND or DESCEND (ASCEND by default)");
        f.string("sort-by", "", "", "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION");
        f.integer("limit", 0, "Maximum number of results");
        f.bool("prefix", "", false, "Get keys with matching prefix");
        f.bool("from-key", "", false, "Get keys that are greater than or equal to the given key using byte compare");
        f.integer("rev", 0, "Specify the kv revision");
        f.bool("keys-only", "", false, "Get only the keys");
        f.bool("count-only", "", false, "Get only the count");
        f.bool("print-value-only", "", false, "Only write values when using the \"simple\" output format");
        return cmd;
    }

    static Command putCommand(Command.Action action) {
        Command cmd = new Command("put [options] <key> <value> (<value> can also be given from stdin)",
            "Puts the given key into the store", """

                Puts the given key into the store.

                When <value> begins with '-', <value> is interpreted as a flag.
                Insert '--' for workaround:

                $ put <key> -- <value>
                $ put -- <key> <value>

                If <value> isn't given as a command line argument and '--ignore-value' is not specified,
                this command tries to read the value from standard input.

                If <lease> isn't given as a command line argument and '--ignore-lease' is not specified,
                this command tries to read the value from standard input.

                For example,
                $ cat file | put <key>
                will store the content of the file to <key>.
                """, action);
        cmd.local.string("lease", "", "0", "lease ID (in hexadecimal) to attach to the key");
        cmd.local.bool("prev-kv", "", false, "return the previous key-value pair before modification");
        cmd.local.bool("ignore-value", "", false, "updates the key using its current value");
        cmd.local.bool("ignore-lease", "", false, "updates the key using its current lease");
        return cmd;
    }

    static Command delCommand(Command.Action action) {
        Command cmd = new Command("del [options] <key> [range_end]", "Removes the specified key or range of keys [key, range_end)",
            null, action);
        cmd.local.bool("prefix", "", false, "delete keys with matching prefix");
        cmd.local.bool("prev-kv", "", false, "return deleted key-value pairs");
        cmd.local.bool("from-key", "", false, "delete keys that are greater than or equal to the given key using byte compare");
        cmd.local.bool("range", "", false, "delete range of keys");
        return cmd;
    }

    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    static RangeRequest getOp(Command cmd, List<String> args) {
        if (args.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "get command needs one argument as key and an optional argument as range_end");
        }
        boolean prefix = cmd.flag("prefix").bool();
        boolean fromKey = cmd.flag("from-key").bool();
        if (prefix && fromKey) {
            throw Exit.error(Exit.BAD_ARGS, "`--prefix` and `--from-key` cannot be set at the same time, choose one");
        }
        boolean keysOnly = cmd.flag("keys-only").bool();
        boolean countOnly = cmd.flag("count-only").bool();
        if (keysOnly && countOnly) {
            throw Exit.error(Exit.BAD_ARGS, "`--keys-only` and `--count-only` cannot be set at the same time, choose one");
        }
        RangeRequest.Builder b = RangeRequest.newBuilder();
        String consistency = cmd.flag("consistency").string();
        switch (consistency) {
            case "s" -> b.setSerializable(true);
            case "l" -> {
            }
            default -> throw Exit.error(Exit.BAD_FEATURE, "unknown consistency flag " + Go.quote(consistency));
        }
        String key = args.get(0);
        if (args.size() > 1) {
            if (prefix || fromKey) {
                throw Exit.error(Exit.BAD_ARGS, "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
            }
            b.setRangeEnd(Keys.of(args.get(1)));
        }
        b.setLimit(cmd.flag("limit").number());
        long rev = cmd.flag("rev").number();
        if (rev > 0) {
            b.setRevision(rev);
        }
        String order = cmd.flag("order").string().toUpperCase(Locale.ROOT);
        RangeRequest.SortOrder so = switch (order) {
            case "ASCEND" -> RangeRequest.SortOrder.ASCEND;
            case "DESCEND" -> RangeRequest.SortOrder.DESCEND;
            case "" -> RangeRequest.SortOrder.NONE;
            default -> throw Exit.error(Exit.BAD_FEATURE, "bad sort order " + cmd.flag("order").string());
        };
        String target = cmd.flag("sort-by").string().toUpperCase(Locale.ROOT);
        RangeRequest.SortTarget st = switch (target) {
            case "CREATE" -> RangeRequest.SortTarget.CREATE;
            case "KEY", "" -> RangeRequest.SortTarget.KEY;
            case "MODIFY" -> RangeRequest.SortTarget.MOD;
            case "VALUE" -> RangeRequest.SortTarget.VALUE;
            case "VERSION" -> RangeRequest.SortTarget.VERSION;
            default -> throw Exit.error(Exit.BAD_FEATURE, "bad sort target " + cmd.flag("sort-by").string());
        };
        if (st == RangeRequest.SortTarget.KEY && so == RangeRequest.SortOrder.ASCEND) {
            so = RangeRequest.SortOrder.NONE;
        }
        b.setSortOrder(so).setSortTarget(st);
        ByteString k = Keys.of(key);
        if (prefix) {
            if (key.isEmpty()) {
                k = ZERO;
                b.setRangeEnd(ZERO);
            } else {
                b.setRangeEnd(Keys.prefixEnd(k));
            }
        }
        if (fromKey) {
            if (key.isEmpty()) {
                k = ZERO;
            }
            b.setRangeEnd(ZERO);
        }
        b.setKey(k);
        if (keysOnly) {
            b.setKeysOnly(true);
        }
        if (countOnly) {
            b.setCountOnly(true);
        }
        return b.build();
    }

    static PutRequest putOp(Command cmd, List<String> args, InputStream stdin) {
        String usage = "put command needs 1 argument and input from stdin or 2 arguments";
        if (args.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, usage);
        }
        boolean ignoreValue = cmd.flag("ignore-value").bool();
        if (ignoreValue && args.size() > 1) {
            throw Exit.error(Exit.BAD_ARGS, "put command needs only 1 argument when 'ignore-value' is set");
        }
        PutRequest.Builder b = PutRequest.newBuilder().setKey(Keys.of(args.get(0)));
        if (!ignoreValue) {
            if (args.size() > 1) {
                b.setValue(Keys.of(args.get(1)));
            } else {
                byte[] all = readAll(stdin);
                if (all.length == 0) {
                    throw Exit.error(Exit.BAD_ARGS, usage);
                }
                b.setValue(ByteString.copyFrom(all));
            }
        }
        long id;
        try {
            id = Go.parseInt(cmd.flag("lease").string(), 16);
        } catch (IllegalArgumentException e) {
            throw Exit.error(Exit.BAD_ARGS, "bad lease ID (" + e.getMessage() + "), expecting ID in Hex");
        }
        b.setLease(id);
        b.setPrevKv(cmd.flag("prev-kv").bool());
        b.setIgnoreValue(ignoreValue);
        b.setIgnoreLease(cmd.flag("ignore-lease").bool());
        return b.build();
    }

    static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    static DeleteRangeRequest delOp(Command cmd, List<String> args, EtchCtl ctl) {
        if (args.isEmpty() || args.size() > 2) {
            throw Exit.error(Exit.BAD_ARGS, "del command needs one argument as key and an optional argument as range_end");
        }
        boolean prefix = cmd.flag("prefix").bool();
        boolean fromKey = cmd.flag("from-key").bool();
        if (prefix && fromKey) {
            throw Exit.error(Exit.BAD_ARGS, "`--prefix` and `--from-key` cannot be set at the same time, choose one");
        }
        DeleteRangeRequest.Builder b = DeleteRangeRequest.newBuilder();
        String key = args.get(0);
        ByteString k = Keys.of(key);
        if (args.size() > 1) {
            if (prefix || fromKey) {
                throw Exit.error(Exit.BAD_ARGS, "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
            }
            b.setRangeEnd(Keys.of(args.get(1)));
            if (!cmd.flag("range").bool() && ctl != null) {
                ctl.err.println("In etcd v3.6, the operation will be suspended for a few seconds to provide the user time to verify range.");
            }
        }
        if (prefix) {
            if (key.isEmpty()) {
                k = ZERO;
                b.setRangeEnd(ZERO);
            } else {
                b.setRangeEnd(Keys.prefixEnd(k));
            }
        }
        b.setPrevKv(cmd.flag("prev-kv").bool());
        if (fromKey) {
            if (key.isEmpty()) {
                k = ZERO;
            }
            b.setRangeEnd(ZERO);
        }
        return b.setKey(k).build();
    }

    // ---- txn

    private static void txn(Invocation inv) {
        if (!inv.args().isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "txn command does not accept argument");
        }
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        Client c = ctl.client(inv);
        boolean interactive = inv.bool("interactive");
        LineReader r = new LineReader(ctl.in);
        TxnRequest.Builder b = TxnRequest.newBuilder();
        if (interactive) {
            ctl.out.println("compares:");
        }
        for (String line; !(line = r.line()).isEmpty(); ) {
            b.addCompare(parseCompare(line));
        }
        if (interactive) {
            ctl.out.println("success requests (get, put, del):");
        }
        for (String line; !(line = r.line()).isEmpty(); ) {
            b.addSuccess(parseRequest(line));
        }
        if (interactive) {
            ctl.out.println("failure requests (get, put, del):");
        }
        for (String line; !(line = r.line()).isEmpty(); ) {
            b.addFailure(parseRequest(line));
        }
        TxnRequest req = b.build();
        TxnResponse resp = c.call(ch -> c.kv(ch).txn(req));
        d.txn(resp);
    }

    /** bufio.Reader.ReadString('\n') with the line trimmed; EOF before a newline is an error, as in etcdctl. */
    static final class LineReader {
        private final InputStream in;

        LineReader(InputStream in) {
            this.in = in;
        }

        String rawLine() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try {
                for (int c; (c = in.read()) >= 0; ) {
                    if (c == '\n') {
                        return b.toString(StandardCharsets.UTF_8);
                    }
                    b.write(c);
                }
            } catch (IOException e) {
                throw Exit.error(Exit.INVALID_INPUT, e.getMessage());
            }
            return null;
        }

        String line() {
            String l = rawLine();
            if (l == null) {
                throw Exit.error(Exit.INVALID_INPUT, "EOF");
            }
            return l.strip();
        }
    }

    private static RequestOp parseRequest(String line) {
        List<String> args = argify(line);
        if (args.size() < 2) {
            throw Exit.error(Exit.INVALID_INPUT, "invalid txn compare request: " + line);
        }
        String invalid = "invalid txn request: " + line;
        Command cmd = switch (args.get(0)) {
            case "put" -> putCommand(null);
            case "get" -> getCommand(null);
            case "del" -> delCommand(null);
            default -> throw Exit.error(Exit.INVALID_INPUT, invalid);
        };
        cmd.local.bool("help", "h", false, "help");
        List<String> rest;
        try {
            rest = cmd.allFlags().parse(args.subList(1, args.size())).args();
        } catch (FlagSet.ParseError e) {
            throw Exit.error(Exit.INVALID_INPUT, invalid);
        }
        return switch (args.get(0)) {
            case "put" -> RequestOp.newBuilder().setRequestPut(putOp(cmd, rest, InputStream.nullInputStream())).build();
            case "get" -> RequestOp.newBuilder().setRequestRange(getOp(cmd, rest)).build();
            default -> RequestOp.newBuilder().setRequestDeleteRange(delOp(cmd, rest, null)).build();
        };
    }

    private static final Pattern ARG = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^'\"\\s]\\S*[^'\"\\s]?");

    /** etcdctl's argify: words, "double-quoted" (Go escapes) and 'single-quoted' strings. */
    static List<String> argify(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = ARG.matcher(s);
        while (m.find()) {
            String a = m.group();
            if (a.startsWith("'")) {
                a = a.substring(1, a.length() - 1);
            } else if (a.startsWith("\"")) {
                a = unquote(a);
            }
            out.add(a);
        }
        return out;
    }

    /** strconv.Unquote of a double-quoted Go string. */
    static String unquote(String q) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < q.length() - 1; i++) {
            char c = q.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = q.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'a' -> b.append((char) 7);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'v' -> b.append((char) 11);
                case 'x' -> {
                    b.append((char) Integer.parseInt(q.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                case 'u' -> {
                    b.append((char) Integer.parseInt(q.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> b.append(e);
            }
        }
        return b.toString();
    }

    private static final Pattern CMP = Pattern.compile("^(\"(?:[^\"\\\\]|\\\\.)*\")\\)\\s+(\\S+)\\s+(\"(?:[^\"\\\\]|\\\\.)*\")");

    static Compare parseCompare(String line) {
        int paren = line.indexOf('(');
        if (paren < 0) {
            throw Exit.error(Exit.INVALID_INPUT, "malformed comparison: " + line);
        }
        String target = line.substring(0, paren);
        Matcher m = CMP.matcher(line.substring(paren + 1));
        if (!m.find()) {
            throw Exit.error(Exit.INVALID_INPUT, "malformed comparison: " + line + "; got " + target + "(\"\")  \"\"");
        }
        String key = unquote(m.group(1));
        String op = m.group(2);
        String val = unquote(m.group(3));
        Compare.Builder b = Compare.newBuilder().setKey(Keys.of(key));
        b.setResult(switch (op) {
            case "=" -> Compare.CompareResult.EQUAL;
            case "!=" -> Compare.CompareResult.NOT_EQUAL;
            case "<" -> Compare.CompareResult.LESS;
            case ">" -> Compare.CompareResult.GREATER;
            default -> throw Exit.error(Exit.INVALID_INPUT, "Unknown result op");
        });
        try {
            switch (target) {
                case "ver", "version" -> b.setTarget(Compare.CompareTarget.VERSION).setVersion(Go.parseInt(val, 10));
                case "c", "create" -> b.setTarget(Compare.CompareTarget.CREATE).setCreateRevision(Go.parseInt(val, 10));
                case "m", "mod" -> b.setTarget(Compare.CompareTarget.MOD).setModRevision(Go.parseInt(val, 10));
                case "val", "value" -> b.setTarget(Compare.CompareTarget.VALUE).setValue(Keys.of(val));
                case "lease" -> b.setTarget(Compare.CompareTarget.LEASE).setLease(Go.parseInt(val, 16));
                default -> throw Exit.error(Exit.INVALID_INPUT, "malformed comparison: " + line + " (unknown target " + target + ")");
            }
        } catch (IllegalArgumentException e) {
            throw Exit.error(Exit.INVALID_INPUT, "invalid txn compare request: " + line);
        }
        return b.build();
    }
}
