package io.etch.ctl;

import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchProgressRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/** watch, with -i, --prefix, --rev, --prev-kv, --progress-notify and a command to run after "--". */
final class WatchCommand {
    private WatchCommand() {
    }

    static void register(Command root) {
        Command cmd = new Command("watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
            "Watches events stream on keys or prefixes", null, WatchCommand::run);
        flags(cmd.local);
        root.add(cmd);
    }

    private static void flags(FlagSet f) {
        f.bool("interactive", "i", false, "Interactive mode");
        f.bool("prefix", "", false, "Watch on a prefix if prefix is set");
        f.integer("rev", 0, "Revision to start watching");
        f.bool("prev-kv", "", false, "get the previous key-value pair before the event happens");
        f.bool("progress-notify", "", false, "get periodic watch progress notification from server");
    }

    /** One watch: what to watch and what to run for each event. */
    private record Spec(List<String> keys, boolean prefix, long rev, boolean prevKv, boolean progress, List<String> exec) {
    }

    private static void run(Invocation inv) throws Exception {
        EtchCtl ctl = inv.ctl();
        String envKey = ctl.env.getOrDefault("ETCDCTL_WATCH_KEY", "");
        String envRange = ctl.env.getOrDefault("ETCDCTL_WATCH_RANGE_END", "");
        if (envKey.isEmpty() && !envRange.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=" + Go.quote(envRange));
        }
        if (inv.bool("interactive")) {
            interactive(inv, envKey, envRange);
            return;
        }
        List<String> args = new ArrayList<>(inv.args());
        List<String> exec = List.of();
        if (inv.argsLenAtDash() >= 0) {
            exec = new ArrayList<>(args.subList(inv.argsLenAtDash(), args.size()));
            args = new ArrayList<>(args.subList(0, inv.argsLenAtDash()));
            if (exec.isEmpty()) {
                throw Exit.error(Exit.BAD_ARGS, "bad number of arguments (found separator --, but no commands)");
            }
        }
        if (!envKey.isEmpty()) {
            if (!args.isEmpty()) {
                throw Exit.error(Exit.BAD_ARGS, "bad number of arguments (found conflicting environment key)");
            }
            args.add(envKey);
            if (!envRange.isEmpty()) {
                args.add(envRange);
            }
        }
        if (args.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "bad number of arguments");
        }
        Spec spec = new Spec(args, inv.bool("prefix"), inv.number("rev"), inv.bool("prev-kv"), inv.bool("progress-notify"), exec);
        check(spec);
        Display d = ctl.display(inv);
        Client c = ctl.client(inv);
        Stream s = new Stream(c, d, ctl);
        s.watch(spec);
        s.awaitEnd();
        throw Exit.error(Exit.INTERRUPTED, "watch is canceled by the server");
    }

    private static void check(Spec spec) {
        if (spec.keys().size() == 2 && spec.prefix()) {
            throw Exit.error(Exit.BAD_ARGS, "`range_end` and `--prefix` are mutually exclusive");
        }
    }

    private static void interactive(Invocation inv, String envKey, String envRange) throws Exception {
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        Client c = ctl.client(inv);
        Stream s = new Stream(c, d, ctl);
        KvCommands.LineReader r = new KvCommands.LineReader(ctl.in);
        while (true) {
            String l = r.rawLine();
            if (l == null) {
                throw Exit.error(Exit.INVALID_INPUT, "error reading watch request line: EOF");
            }
            List<String> args = KvCommands.argify(l);
            if (args.isEmpty()) {
                ctl.err.printf("Invalid command: %s (watch and progress supported)%n", l);
                continue;
            }
            switch (args.get(0)) {
                case "watch" -> {
                    if (args.size() < 2 && envKey.isEmpty()) {
                        ctl.err.printf("Invalid command %s (command type or key is not provided)%n", l);
                        continue;
                    }
                    Command scratch = new Command("watch", "", null, null);
                    flags(scratch.local);
                    FlagSet.Parsed p;
                    try {
                        p = scratch.local.parse(args.subList(1, args.size()));
                    } catch (FlagSet.ParseError e) {
                        throw Exit.error(Exit.BAD_ARGS, e.getMessage());
                    }
                    List<String> keys = new ArrayList<>(p.args());
                    List<String> exec = List.of();
                    if (p.argsLenAtDash() >= 0) {
                        exec = new ArrayList<>(keys.subList(p.argsLenAtDash(), keys.size()));
                        keys = new ArrayList<>(keys.subList(0, p.argsLenAtDash()));
                        if (exec.isEmpty()) {
                            throw Exit.error(Exit.BAD_ARGS, "bad number of arguments (found separator --, but no commands)");
                        }
                    }
                    if (!envKey.isEmpty()) {
                        if (!keys.isEmpty() && exec.isEmpty()) {
                            throw Exit.error(Exit.BAD_ARGS, "bad number of arguments (found conflicting environment key)");
                        }
                        keys.add(0, envKey);
                        if (!envRange.isEmpty()) {
                            keys.add(1, envRange);
                        }
                    }
                    if (keys.isEmpty()) {
                        throw Exit.error(Exit.BAD_ARGS, "bad number of arguments");
                    }
                    Spec spec = new Spec(keys, scratch.local.lookup("prefix").bool(), scratch.local.lookup("rev").number(),
                        scratch.local.lookup("prev-kv").bool(), false, exec);
                    if (spec.keys().size() == 2 && spec.prefix()) {
                        ctl.err.printf("Invalid command %s (%s)%n", l, "`range_end` and `--prefix` are mutually exclusive");
                        continue;
                    }
                    s.watch(spec);
                }
                case "progress" -> s.progress();
                default -> ctl.err.printf("Invalid command %s (only support watch)%n", l);
            }
        }
    }

    /** The watches of one run, each on a stream of its own as clientv3 keeps them apart; prints as events arrive. */
    static final class Stream {
        private final Client client;
        private final Display display;
        private final EtchCtl ctl;
        private final LinkedBlockingQueue<Object> ended = new LinkedBlockingQueue<>();
        private final List<StreamObserver<WatchRequest>> senders = new ArrayList<>();
        private int open;

        Stream(Client client, Display display, EtchCtl ctl) {
            this.client = client;
            this.display = display;
            this.ctl = ctl;
        }

        synchronized void watch(Spec spec) {
            WatchCreateRequest.Builder b = WatchCreateRequest.newBuilder().setKey(Keys.of(spec.keys().get(0)))
                .setStartRevision(spec.rev()).setPrevKv(spec.prevKv()).setProgressNotify(spec.progress());
            if (spec.keys().size() == 2) {
                b.setRangeEnd(Keys.of(spec.keys().get(1)));
            }
            if (spec.prefix()) {
                if (spec.keys().get(0).isEmpty()) {
                    b.setKey(com.google.protobuf.ByteString.copyFrom(new byte[] {0}));
                    b.setRangeEnd(com.google.protobuf.ByteString.copyFrom(new byte[] {0}));
                } else {
                    b.setRangeEnd(Keys.prefixEnd(b.getKey()));
                }
            }
            open++;
            StreamObserver<WatchRequest> sender = client.watch().watch(new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    if (r.getCreated() && r.getEventsCount() == 0 && !r.getCanceled()) {
                        return;
                    }
                    synchronized (ctl.out) {
                        if (r.getCanceled()) {
                            String reason = r.getCompactRevision() != 0 ? "etcdserver: mvcc: required revision has been compacted"
                                : r.getCancelReason();
                            ctl.err.printf("watch was canceled (%s)%n", reason);
                        }
                        if (r.getEventsCount() == 0 && !r.getCanceled()) {
                            ctl.out.printf("progress notify: %d%n", r.getHeader().getRevision());
                        }
                        display.watch(r);
                        ctl.out.flush();
                        for (Event ev : r.getEventsList()) {
                            runExec(spec.exec(), r, ev);
                        }
                    }
                    if (r.getCanceled()) {
                        ended.add(r);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    ended.add(t);
                }

                @Override
                public void onCompleted() {
                    ended.add(Boolean.TRUE);
                }
            });
            senders.add(sender);
            sender.onNext(WatchRequest.newBuilder().setCreateRequest(b).build());
        }

        synchronized void progress() {
            for (StreamObserver<WatchRequest> s : senders) {
                s.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            }
        }

        private void runExec(List<String> exec, WatchResponse r, Event ev) {
            if (exec.isEmpty()) {
                return;
            }
            ProcessBuilder pb = new ProcessBuilder(exec);
            pb.environment().putAll(ctl.env);
            pb.environment().put("ETCD_WATCH_REVISION", Long.toString(r.getHeader().getRevision()));
            pb.environment().put("ETCD_WATCH_EVENT_TYPE", Go.quote(ev.getType().name()));
            pb.environment().put("ETCD_WATCH_KEY", Go.quote(ev.getKv().getKey().toByteArray()));
            pb.environment().put("ETCD_WATCH_VALUE", Go.quote(ev.getKv().getValue().toByteArray()));
            pb.redirectErrorStream(false);
            try {
                Process p = pb.start();
                p.getOutputStream().close();
                copy(p.getInputStream(), ctl);
                String errText = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                ctl.err.print(errText);
                int code = p.waitFor();
                if (code != 0) {
                    ctl.err.printf("command %s error (exit status %d)%n", Go.quote(exec.toString()), code);
                    ctl.out.flush();
                    Runtime.getRuntime().halt(1);
                }
            } catch (IOException | InterruptedException e) {
                ctl.err.printf("command %s error (%s)%n", exec, e.getMessage());
            }
        }

        static void copy(InputStream in, EtchCtl ctl) throws IOException {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                ctl.out.write(buf, 0, n);
            }
            ctl.out.flush();
        }

        void awaitEnd() throws InterruptedException {
            while (open > 0) {
                Object o = ended.take();
                open--;
                if (o instanceof Throwable t) {
                    throw Exit.error(Exit.ERROR, Errors.text(t));
                }
            }
        }
    }
}
