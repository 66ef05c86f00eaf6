package io.etch.ctl;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;

/** make-mirror, and Etch's own history and du. */
final class EtchCommands {
    private EtchCommands() {
    }

    static void register(Command root) {
        Command mm = new Command("make-mirror [options] <destination>", "Makes a mirror at the destination etcd cluster", null,
            EtchCommands::makeMirror);
        mm.local.string("prefix", "", "", "Key-value prefix to mirror");
        mm.local.string("dest-prefix", "", "", "destination prefix to mirror a prefix to a different prefix in the destination cluster");
        mm.local.bool("no-dest-prefix", "", false, "mirror key-values to the root of the destination cluster");
        mm.local.string("dest-cert", "", "", "Identify secure client using this TLS certificate file for the destination cluster");
        mm.local.string("dest-key", "", "", "Identify secure client using this TLS key file");
        mm.local.string("dest-cacert", "", "", "Verify certificates of TLS enabled secure servers using this CA bundle");
        mm.local.bool("dest-insecure-transport", "", true, "Disable transport security for client connections");
        mm.local.string("dest-user", "", "", "Destination username[:password] for authentication (prompt if password is not supplied)");
        mm.local.string("dest-password", "", "",
            "Destination password for authentication (if this option is used, --user option shouldn't include password)");
        root.add(mm);

        Command history = new Command("history [options] <key>", "Prints every revision of a key still in the store (Etch)", null,
            EtchCommands::history);
        root.add(history);
        Command du = new Command("du [options] [prefix]", "Prints the number of keys and bytes under each level of a prefix (Etch)",
            "Keys are split into levels at every '/'. BYTES counts keys and values.\n", EtchCommands::du);
        du.local.integer("depth", 0, "Levels below the prefix to print (0: all)");
        root.add(du);
    }

    // ---- make-mirror (etcdctl's mirror.Syncer: the base at one revision, then the updates from a watch)

    private static void makeMirror(Invocation inv) throws Exception {
        if (inv.args().size() != 1) {
            throw Exit.error(Exit.BAD_ARGS, "make-mirror takes one destination argument");
        }
        EtchCtl ctl = inv.ctl();
        Client.Config src = ctl.config(inv);
        String destUser = inv.string("dest-user");
        String user = null;
        String password = null;
        if (!destUser.isEmpty()) {
            if (!inv.string("dest-password").isEmpty()) {
                user = destUser;
                password = inv.string("dest-password");
            } else {
                int colon = destUser.indexOf(':');
                user = colon < 0 ? destUser : destUser.substring(0, colon);
                password = colon < 0 ? Passwords.ask(ctl, "Destination Password: ") : destUser.substring(colon + 1);
            }
        }
        String cert = inv.string("dest-cert").isEmpty() ? null : inv.string("dest-cert");
        String key = inv.string("dest-key").isEmpty() ? null : inv.string("dest-key");
        String cacert = inv.string("dest-cacert").isEmpty() ? null : inv.string("dest-cacert");
        Client dest = ctl.newClient(new Client.Config(List.of(inv.args().get(0)), src.dialTimeoutNanos(), src.keepAliveTimeNanos(),
            src.keepAliveTimeoutNanos(), cert != null || key != null || cacert != null || !inv.bool("dest-insecure-transport"),
            cert, key, cacert, false, null, user, password, src.commandTimeoutNanos()));
        Client c = ctl.client(inv);
        String prefix = inv.string("prefix");
        String destPrefix = inv.string("dest-prefix");
        if (inv.bool("no-dest-prefix") && !destPrefix.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "`--dest-prefix` and `--no-dest-prefix` cannot be set at the same time, choose one");
        }
        if (!inv.bool("no-dest-prefix") && destPrefix.isEmpty()) {
            destPrefix = prefix;
        }
        ByteString from = prefix.isEmpty() ? ByteString.copyFrom(new byte[] {0}) : Keys.of(prefix);
        ByteString end = prefix.isEmpty() ? ByteString.copyFrom(new byte[] {0}) : Keys.prefixEnd(from);
        long rev = 0;
        ByteString next = from;
        while (true) {
            RangeRequest.Builder rb = RangeRequest.newBuilder().setKey(next).setRangeEnd(end).setLimit(1000);
            if (rev > 0) {
                rb.setRevision(rev);
            }
            RangeRequest rr = rb.build();
            RangeResponse r = c.call(ch -> c.kv(ch).range(rr));
            if (rev == 0) {
                rev = r.getHeader().getRevision();
            }
            for (KeyValue kv : r.getKvsList()) {
                PutRequest put = PutRequest.newBuilder().setKey(rename(kv.getKey(), prefix, destPrefix)).setValue(kv.getValue()).build();
                dest.call(ch -> dest.kv(ch).put(put));
            }
            if (!r.getMore() || r.getKvsCount() == 0) {
                break;
            }
            next = r.getKvs(r.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
        LinkedBlockingQueue<Object> q = new LinkedBlockingQueue<>();
        StreamObserver<WatchRequest> w = c.watch().watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                q.add(r);
            }

            @Override
            public void onError(Throwable t) {
                q.add(t);
            }

            @Override
            public void onCompleted() {
                q.add(Boolean.TRUE);
            }
        });
        w.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(from).setRangeEnd(end)
            .setStartRevision(rev + 1)).build());
        while (true) {
            Object o = q.take();
            if (o instanceof Throwable t) {
                throw Exit.error(Exit.ERROR, Errors.text(t));
            }
            if (!(o instanceof WatchResponse r)) {
                throw Exit.error(Exit.ERROR, "watch closed");
            }
            if (r.getCompactRevision() != 0) {
                throw Exit.error(Exit.ERROR, "etcdserver: mvcc: required revision has been compacted");
            }
            long lastRev = 0;
            List<RequestOp> ops = new ArrayList<>();
            for (Event ev : r.getEventsList()) {
                long nextRev = ev.getKv().getModRevision();
                if (lastRev != 0 && nextRev > lastRev) {
                    commit(dest, ops);
                    ops = new ArrayList<>();
                }
                lastRev = nextRev;
                ByteString k = rename(ev.getKv().getKey(), prefix, destPrefix);
                if (ev.getType() == Event.EventType.PUT) {
                    ops.add(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k).setValue(ev.getKv().getValue())).build());
                } else {
                    ops.add(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(k)).build());
                }
            }
            if (!ops.isEmpty()) {
                commit(dest, ops);
            }
        }
    }

    private static void commit(Client dest, List<RequestOp> ops) {
        TxnRequest t = TxnRequest.newBuilder().addAllSuccess(ops).build();
        dest.call(ch -> dest.kv(ch).txn(t));
    }

    /** strings.Replace(key, prefix, destPrefix, 1), as etcdctl's modifyPrefix. */
    private static ByteString rename(ByteString key, String prefix, String destPrefix) {
        String k = key.toStringUtf8();
        int i = k.indexOf(prefix);
        if (i < 0) {
            return key;
        }
        return Keys.of(k.substring(0, i) + destPrefix + k.substring(i + prefix.length()));
    }

    // ---- history: every revision of a key still in the store, newest first

    private static void history(Invocation inv) {
        if (inv.args().size() != 1) {
            throw Exit.error(Exit.BAD_ARGS, "history command needs one argument as key");
        }
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        Client c = ctl.client(inv);
        ByteString key = Keys.of(inv.args().get(0));
        RangeResponse latest = c.call(ch -> c.kv(ch).range(RangeRequest.newBuilder().setKey(key).build()));
        long rev = latest.getHeader().getRevision();
        List<KeyValue> versions = new ArrayList<>();
        // Walk back: the version at rev has mod revision m; the one before it is the version at m - 1.
        // A revision where the key does not exist (deleted) steps back one revision at a time.
        while (rev > 0) {
            long at = rev;
            RangeResponse r;
            try {
                r = c.call(ch -> c.kv(ch).range(RangeRequest.newBuilder().setKey(key).setRevision(at).build()));
            } catch (StatusRuntimeException e) {
                if (Errors.is(e, "etcdserver: mvcc: required revision has been compacted")) {
                    break;
                }
                throw e;
            }
            if (r.getKvsCount() == 0) {
                rev--;
                continue;
            }
            KeyValue kv = r.getKvs(0);
            versions.add(kv);
            rev = kv.getModRevision() - 1;
        }
        RangeResponse all = RangeResponse.newBuilder().setHeader(latest.getHeader()).addAllKvs(versions).setCount(versions.size()).build();
        if (d.format == Display.Format.SIMPLE) {
            for (KeyValue kv : versions) {
                ctl.out.printf("revision %d (version %d, created at %d, lease %016x)%n", kv.getModRevision(), kv.getVersion(),
                    kv.getCreateRevision(), kv.getLease());
                ctl.out.println(d.hex ? Display.hexEscaped(kv.getValue()) : Go.text(kv.getValue().toByteArray()));
            }
            return;
        }
        d.get(all);
    }

    // ---- du: keys and bytes per level of a prefix

    private static void du(Invocation inv) {
        if (inv.args().size() > 1) {
            throw Exit.error(Exit.BAD_ARGS, "du command takes at most one prefix");
        }
        EtchCtl ctl = inv.ctl();
        ctl.display(inv);
        Client c = ctl.client(inv);
        String prefix = inv.args().isEmpty() ? "" : inv.args().get(0);
        long depth = inv.number("depth");
        ByteString from = prefix.isEmpty() ? ByteString.copyFrom(new byte[] {0}) : Keys.of(prefix);
        ByteString end = prefix.isEmpty() ? ByteString.copyFrom(new byte[] {0}) : Keys.prefixEnd(from);
        Map<String, long[]> levels = new TreeMap<>();
        ByteString next = from;
        long rev = 0;
        while (true) {
            RangeRequest.Builder rb = RangeRequest.newBuilder().setKey(next).setRangeEnd(end).setLimit(1000);
            if (rev > 0) {
                rb.setRevision(rev);
            }
            RangeRequest rr = rb.build();
            RangeResponse r = c.call(ch -> c.kv(ch).range(rr));
            rev = r.getHeader().getRevision();
            for (KeyValue kv : r.getKvsList()) {
                String k = kv.getKey().toStringUtf8();
                long bytes = kv.getKey().size() + kv.getValue().size();
                add(levels, prefix, bytes);
                int level = 0;
                int i = prefix.length();
                while ((i = k.indexOf('/', i)) >= 0 && i < k.length() - 1) {
                    level++;
                    if (depth > 0 && level > depth) {
                        break;
                    }
                    add(levels, k.substring(0, i + 1), bytes);
                    i++;
                }
            }
            if (!r.getMore() || r.getKvsCount() == 0) {
                break;
            }
            next = r.getKvs(r.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
        }
        for (Map.Entry<String, long[]> e : levels.entrySet()) {
            ctl.out.printf("%d\t%d\t%s%n", e.getValue()[1], e.getValue()[0], e.getKey());
        }
    }

    private static void add(Map<String, long[]> levels, String level, long bytes) {
        long[] v = levels.computeIfAbsent(level, x -> new long[2]);
        v[0]++;
        v[1] += bytes;
    }
}
