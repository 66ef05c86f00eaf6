package io.etch.ctl;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseLeasesRequest;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** lease grant, revoke, timetolive, list and keep-alive. */
final class LeaseCommands {
    private LeaseCommands() {
    }

    static void register(Command root) {
        Command lease = new Command("lease <subcommand>", "Lease related commands", null, null);
        lease.add(new Command("grant <ttl>", "Creates leases", null, inv -> {
            if (inv.args().size() != 1) {
                throw Exit.error(Exit.BAD_ARGS, "lease grant command needs TTL argument");
            }
            long ttl;
            try {
                ttl = Go.parseInt(inv.args().get(0), 10);
            } catch (IllegalArgumentException e) {
                throw Exit.error(Exit.BAD_ARGS, "bad TTL (" + e.getMessage() + ")");
            }
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            try {
                d.grant(c.call(ch -> c.lease(ch).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build())));
            } catch (io.grpc.StatusRuntimeException e) {
                throw Exit.error(Exit.ERROR, "failed to grant lease (" + Errors.text(e) + ")");
            }
        }));
        lease.add(new Command("revoke <leaseID>", "Revokes leases", null, inv -> {
            if (inv.args().size() != 1) {
                throw Exit.error(Exit.BAD_ARGS, "lease revoke command needs 1 argument");
            }
            long id = leaseId(inv.args().get(0));
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            try {
                d.revoke(id, c.call(ch -> c.lease(ch).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build())));
            } catch (io.grpc.StatusRuntimeException e) {
                throw Exit.error(Exit.ERROR, "failed to revoke lease (" + Errors.text(e) + ")");
            }
        }));
        Command ttl = new Command("timetolive <leaseID> [options]", "Get lease information", null, inv -> {
            if (inv.args().size() != 1) {
                throw Exit.error(Exit.BAD_ARGS, "lease timetolive command needs lease ID as argument");
            }
            long id = leaseId(inv.args().get(0));
            boolean keys = inv.bool("keys");
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            try {
                d.timeToLive(c.call(ch -> c.lease(ch).leaseTimeToLive(
                    LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build())), keys);
            } catch (io.grpc.StatusRuntimeException e) {
                throw Exit.error(Exit.BAD_CONNECTION, Errors.text(e));
            }
        });
        ttl.local.bool("keys", "", false, "Get keys attached to this lease");
        lease.add(ttl);
        lease.add(new Command("list", "List all active leases", null, inv -> {
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            try {
                d.leases(c.call(ch -> c.lease(ch).leaseLeases(LeaseLeasesRequest.getDefaultInstance())));
            } catch (io.grpc.StatusRuntimeException e) {
                throw Exit.error(Exit.BAD_CONNECTION, Errors.text(e));
            }
        }));
        Command keepAlive = new Command("keep-alive [options] <leaseID>", "Keeps leases alive (renew)", null,
            LeaseCommands::keepAlive);
        keepAlive.local.bool("once", "", false, "Resets the keep-alive time to its original value and cobrautl.Exits immediately");
        lease.add(keepAlive);
        root.add(lease);
    }

    static long leaseId(String arg) {
        try {
            return Go.parseInt(arg, 16);
        } catch (IllegalArgumentException e) {
            throw Exit.error(Exit.BAD_ARGS, "bad lease ID arg (" + e.getMessage() + "), expecting ID in Hex");
        }
    }

    private static void keepAlive(Invocation inv) throws InterruptedException {
        if (inv.args().size() != 1) {
            throw Exit.error(Exit.BAD_ARGS, "lease keep-alive command needs lease ID as argument");
        }
        long id = leaseId(inv.args().get(0));
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        Client c = ctl.client(inv);
        LinkedBlockingQueue<Object> q = new LinkedBlockingQueue<>();
        StreamObserver<LeaseKeepAliveRequest> send = c.leaseStream().leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                q.add(r);
            }

            @Override
            public void onError(Throwable t) {
                q.add(t);
            }

            @Override
            public void onCompleted() {
                q.add(Boolean.FALSE);
            }
        });
        LeaseKeepAliveRequest req = LeaseKeepAliveRequest.newBuilder().setID(id).build();
        send.onNext(req);
        if (inv.bool("once")) {
            Object o = q.poll(c.cfg.commandTimeoutNanos(), TimeUnit.NANOSECONDS);
            send.onCompleted();
            if (o instanceof LeaseKeepAliveResponse r && r.getTTL() > 0) {
                d.keepAlive(r);
                return;
            }
            if (o instanceof Throwable t) {
                throw Exit.error(Exit.BAD_CONNECTION, Errors.text(t));
            }
            if (o == null) {
                throw Exit.error(Exit.BAD_CONNECTION, Errors.DEADLINE);
            }
            throw Exit.error(Exit.BAD_CONNECTION, "etcdserver: requested lease not found");
        }
        // As clientv3's keepalive loop: renew every third of the TTL until the lease is gone.
        while (true) {
            Object o = q.take();
            if (!(o instanceof LeaseKeepAliveResponse r) || r.getTTL() <= 0) {
                break;
            }
            d.keepAlive(r);
            ctl.out.flush();
            long wait = Math.max(1, r.getTTL() / 3);
            if (ctl.stop.await(wait, TimeUnit.SECONDS)) {
                // stopped from outside (etcdctl is ended by the signal then, and prints nothing more)
                send.onCompleted();
                return;
            }
            send.onNext(req);
        }
        send.onCompleted();
        if (d.format == Display.Format.SIMPLE) {
            ctl.out.printf("lease %016x expired or revoked.%n", id);
        }
    }
}
