package io.etch.ctl;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.v3electionpb.CampaignRequest;
import io.etch.api.v3electionpb.CampaignResponse;
import io.etch.api.v3electionpb.ElectionGrpc;
import io.etch.api.v3electionpb.LeaderKey;
import io.etch.api.v3electionpb.LeaderRequest;
import io.etch.api.v3electionpb.LeaderResponse;
import io.etch.api.v3electionpb.ResignRequest;
import io.etch.api.v3lockpb.LockRequest;
import io.etch.api.v3lockpb.LockResponse;
import io.etch.api.v3lockpb.UnlockRequest;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** lock and elect, through the server's Lock and Election services, on a lease kept alive as clientv3's session. */
final class ConcurrencyCommands {
    private ConcurrencyCommands() {
    }

    static void register(Command root) {
        Command lock = new Command("lock <lockname> [exec-command arg1 arg2 ...]", "Acquires a named lock", null,
            ConcurrencyCommands::lock);
        lock.local.add(new Flag("ttl", "", Flag.Type.INT, "10", "timeout for session"));
        root.add(lock);
        Command elect = new Command("elect <election-name> [proposal]", "Observes and participates in leader election", null,
            ConcurrencyCommands::elect);
        elect.local.bool("listen", "l", false, "observation mode");
        root.add(elect);
    }

    /** A lease kept alive until closed; {@link #expired} counts down if the server lets it lapse. */
    static final class Session implements AutoCloseable {
        final long lease;
        final CountDownLatch expired = new CountDownLatch(1);
        private final Client client;
        private final StreamObserver<LeaseKeepAliveRequest> send;
        private final Thread renewer;

        Session(Client client, long ttl) {
            this.client = client;
            this.lease = client.call(ch -> client.lease(ch).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build())).getID();
            this.send = client.leaseStream().leaseKeepAlive(new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                    if (r.getTTL() <= 0) {
                        expired.countDown();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    expired.countDown();
                }

                @Override
                public void onCompleted() {
                }
            });
            long every = Math.max(1, ttl * 1000 / 3);
            renewer = new Thread(() -> {
                try {
                    while (!expired.await(every, TimeUnit.MILLISECONDS)) {
                        synchronized (send) {
                            send.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "etchctl-session");
            renewer.setDaemon(true);
            renewer.start();
        }

        @Override
        public void close() {
            renewer.interrupt();
            synchronized (send) {
                send.onCompleted();
            }
            try {
                client.call(ch -> client.lease(ch).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build()));
            } catch (RuntimeException ignored) {
                // the lease is gone already
            }
        }
    }

    private static void lock(Invocation inv) throws Exception {
        List<String> args = inv.args();
        if (args.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "lock takes a lock name argument and an optional command to execute");
        }
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        Client c = ctl.client(inv);
        ctl.handleSignals();
        try (Session s = new Session(c, inv.number("ttl"))) {
            LockResponse lr = c.lock().lock(LockRequest.newBuilder().setName(Keys.of(args.get(0))).setLease(s.lease).build());
            if (args.size() > 1) {
                ProcessBuilder pb = new ProcessBuilder(args.subList(1, args.size()));
                pb.environment().putAll(ctl.env);
                pb.environment().put("ETCD_LOCK_KEY", lr.getKey().toStringUtf8());
                pb.environment().put("ETCD_LOCK_REV", Long.toString(lr.getHeader().getRevision()));
                Process p = pb.start();
                p.getOutputStream().close();
                WatchCommand.Stream.copy(p.getInputStream(), ctl);
                ctl.err.print(new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                int code = p.waitFor();
                c.lock().unlock(UnlockRequest.newBuilder().setKey(lr.getKey()).build());
                if (code != 0) {
                    throw Exit.error(code, "exit status " + code);
                }
                return;
            }
            RangeResponse k = c.call(ch -> c.kv(ch).range(RangeRequest.newBuilder().setKey(lr.getKey()).build()));
            if (k.getKvsCount() == 0) {
                throw Exit.error(Exit.ERROR, "lock lost on init");
            }
            d.get(k);
            ctl.out.flush();
            while (!ctl.stop.await(100, TimeUnit.MILLISECONDS)) {
                if (s.expired.getCount() == 0) {
                    throw Exit.error(Exit.ERROR, "session expired");
                }
            }
            c.lock().unlock(UnlockRequest.newBuilder().setKey(lr.getKey()).build());
        }
    }

    private static void elect(Invocation inv) throws Exception {
        List<String> args = inv.args();
        if (args.size() != 1 && args.size() != 2) {
            throw Exit.error(Exit.BAD_ARGS, "elect takes one election name argument and an optional proposal argument");
        }
        boolean listen = inv.bool("listen");
        if (args.size() == 1 && !listen) {
            throw Exit.error(Exit.BAD_ARGS, "no proposal argument but -l not set");
        }
        if (args.size() == 2 && listen) {
            throw Exit.error(Exit.BAD_ARGS, "proposal given but -l is set");
        }
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        Client c = ctl.client(inv);
        ctl.handleSignals();
        if (listen) {
            ElectionGrpc.ElectionStub stub = ElectionGrpc.newStub(c.connected());
            CountDownLatch lost = new CountDownLatch(1);
            stub.observe(LeaderRequest.newBuilder().setName(Keys.of(args.get(0))).build(), new StreamObserver<>() {
                @Override
                public void onNext(LeaderResponse r) {
                    synchronized (ctl.out) {
                        d.get(RangeResponse.newBuilder().setHeader(r.getHeader()).addKvs(r.getKv()).setCount(1).build());
                        ctl.out.flush();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    lost.countDown();
                }

                @Override
                public void onCompleted() {
                    lost.countDown();
                }
            });
            while (!ctl.stop.await(100, TimeUnit.MILLISECONDS)) {
                if (lost.getCount() == 0) {
                    throw Exit.error(Exit.ERROR, "elect: observer lost");
                }
            }
            return;
        }
        try (Session s = new Session(c, 60)) {
            CampaignResponse cr = c.election().campaign(CampaignRequest.newBuilder().setName(Keys.of(args.get(0)))
                .setLease(s.lease).setValue(Keys.of(args.get(1))).build());
            LeaderKey leader = cr.getLeader();
            d.get(c.call(ch -> c.kv(ch).range(RangeRequest.newBuilder().setKey(leader.getKey()).build())));
            ctl.out.flush();
            while (!ctl.stop.await(100, TimeUnit.MILLISECONDS)) {
                if (s.expired.getCount() == 0) {
                    throw Exit.error(Exit.ERROR, "elect: session expired");
                }
            }
            c.election().resign(ResignRequest.newBuilder().setLeader(leader).build());
        }
    }

}
