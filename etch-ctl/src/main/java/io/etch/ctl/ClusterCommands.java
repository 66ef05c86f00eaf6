package io.etch.ctl;

import io.etch.api.etcdserverpb.AlarmMember;
import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.AlarmType;
import io.etch.api.etcdserverpb.DefragmentRequest;
import io.etch.api.etcdserverpb.HashKVRequest;
import io.etch.api.etcdserverpb.Member;
import io.etch.api.etcdserverpb.MemberAddRequest;
import io.etch.api.etcdserverpb.MemberAddResponse;
import io.etch.api.etcdserverpb.MemberListRequest;
import io.etch.api.etcdserverpb.MemberListResponse;
import io.etch.api.etcdserverpb.MemberPromoteRequest;
import io.etch.api.etcdserverpb.MemberRemoveRequest;
import io.etch.api.etcdserverpb.MemberUpdateRequest;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.MoveLeaderRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.SnapshotRequest;
import io.etch.api.etcdserverpb.SnapshotResponse;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/** member, endpoint, move-leader, defrag, alarm and snapshot. */
final class ClusterCommands {
    private ClusterCommands() {
    }

    static void register(Command root) {
        Command member = new Command("member <subcommand>", "Membership related commands", null, null);
        Command add = new Command("add <memberName> [options]", "Adds a member into the cluster", null, ClusterCommands::memberAdd);
        add.local.string("peer-urls", "", "", "comma separated peer URLs for the new member.");
        add.local.bool("learner", "", false, "indicates if the new member is raft learner");
        member.add(add);
        member.add(new Command("remove <memberID>", "Removes a member from the cluster", null, inv -> {
            long id = memberId(inv);
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            d.memberRemove(id, c.call(ch -> c.cluster(ch).memberRemove(MemberRemoveRequest.newBuilder().setID(id).build())));
        }));
        Command update = new Command("update <memberID> [options]", "Updates a member in the cluster", null, inv -> {
            long id = memberId(inv);
            String urls = inv.string("peer-urls");
            if (urls.isEmpty()) {
                throw Exit.error(Exit.BAD_ARGS, "member peer urls not provided");
            }
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            d.memberUpdate(id, c.call(ch -> c.cluster(ch).memberUpdate(MemberUpdateRequest.newBuilder().setID(id)
                .addAllPeerURLs(Arrays.asList(urls.split(","))).build())));
        });
        update.local.string("peer-urls", "", "", "comma separated peer URLs for the updated member.");
        member.add(update);
        member.add(new Command("list", "Lists all members in the cluster",
            "When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.\n"
                + "The items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.\n", inv -> {
                    Display d = inv.ctl().display(inv);
                    Client c = inv.ctl().client(inv);
                    d.memberList(c.call(ch -> c.cluster(ch).memberList(MemberListRequest.newBuilder().setLinearizable(true).build())));
                }));
        member.add(new Command("promote <memberID>", "Promotes a non-voting member in the cluster",
            "Promotes a non-voting learner member to a voting one in the cluster.\n", inv -> {
                long id = memberId(inv);
                Display d = inv.ctl().display(inv);
                Client c = inv.ctl().client(inv);
                d.memberPromote(id, c.call(ch -> c.cluster(ch).memberPromote(MemberPromoteRequest.newBuilder().setID(id).build())));
            }));
        root.add(member);

        Command endpoint = new Command("endpoint <subcommand>", "Endpoint related commands", null, null);
        endpoint.persistent.bool("cluster", "", false, "use all endpoints from the cluster member list");
        endpoint.add(new Command("health", "Checks the healthiness of endpoints specified in `--endpoints` flag", null,
            ClusterCommands::health));
        endpoint.add(new Command("status", "Prints out the status of endpoints specified in `--endpoints` flag",
            "When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\n"
                + "The items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.\n",
            ClusterCommands::status));
        Command hashkv = new Command("hashkv", "Prints the KV history hash for each endpoint in --endpoints", null, ClusterCommands::hashKV);
        hashkv.persistent.integer("rev", 0, "maximum revision to hash (default: all revisions)");
        endpoint.add(hashkv);
        root.add(endpoint);

        root.add(new Command("move-leader <transferee-member-id>", "Transfers leadership to another etcd cluster member.", null,
            ClusterCommands::moveLeader));

        Command defrag = new Command("defrag", "Defragments the storage of the etcd members with given endpoints", null,
            ClusterCommands::defrag);
        defrag.persistent.bool("cluster", "", false, "use all endpoints from the cluster member list");
        defrag.local.string("data-dir", "", "", "Optional. If present, defragments a data directory not in use by etcd.");
        root.add(defrag);

        Command alarm = new Command("alarm <subcommand>", "Alarm related commands", null, null);
        alarm.add(new Command("disarm", "Disarms all alarms", null, inv -> {
            if (!inv.args().isEmpty()) {
                throw Exit.error(Exit.BAD_ARGS, "alarm disarm command accepts no arguments");
            }
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            AlarmResponse list = c.call(ch -> c.maintenance(ch).alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build()));
            AlarmResponse.Builder all = AlarmResponse.newBuilder().setHeader(list.getHeader());
            for (AlarmMember m : list.getAlarmsList()) {
                AlarmResponse r = c.call(ch -> c.maintenance(ch).alarm(AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.DEACTIVATE).setMemberID(m.getMemberID()).setAlarm(m.getAlarm()).build()));
                all.setHeader(r.getHeader()).addAllAlarms(r.getAlarmsList());
            }
            d.alarm(all.build());
        }));
        alarm.add(new Command("list", "Lists all alarms", null, inv -> {
            if (!inv.args().isEmpty()) {
                throw Exit.error(Exit.BAD_ARGS, "alarm list command accepts no arguments");
            }
            Display d = inv.ctl().display(inv);
            Client c = inv.ctl().client(inv);
            d.alarm(c.call(ch -> c.maintenance(ch).alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET)
                .setAlarm(AlarmType.NONE).build())));
        }));
        root.add(alarm);

        Command snapshot = new Command("snapshot <subcommand>", "Manages etcd node snapshots", null, null);
        snapshot.add(new Command("save <filename>", "Stores an etcd node backend snapshot to a given file", null,
            ClusterCommands::snapshotSave));
        root.add(snapshot);
    }

    private static long memberId(Invocation inv) {
        if (inv.args().size() != 1) {
            throw Exit.error(Exit.BAD_ARGS, "member ID is not provided");
        }
        try {
            return Go.parseUint(inv.args().get(0), 16);
        } catch (IllegalArgumentException e) {
            throw Exit.error(Exit.BAD_ARGS, "bad member ID arg (" + e.getMessage() + "), expecting ID in Hex");
        }
    }

    private static void memberAdd(Invocation inv) {
        List<String> args = inv.args();
        if (args.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "member name not provided");
        }
        if (args.size() > 1) {
            StringBuilder ev = new StringBuilder("too many arguments");
            for (String s : args) {
                if (s.toLowerCase(Locale.ROOT).startsWith("http")) {
                    ev.append(", did you mean --peer-urls=").append(s);
                }
            }
            throw Exit.error(Exit.BAD_ARGS, ev.toString());
        }
        String name = args.get(0);
        String urls = inv.string("peer-urls");
        if (urls.isEmpty()) {
            throw Exit.error(Exit.BAD_ARGS, "member peer urls not provided");
        }
        Display d = inv.ctl().display(inv);
        Client c = inv.ctl().client(inv);
        MemberAddResponse resp = c.call(ch -> c.cluster(ch).memberAdd(MemberAddRequest.newBuilder()
            .addAllPeerURLs(Arrays.asList(urls.split(","))).setIsLearner(inv.bool("learner")).build()));
        d.memberAdd(resp);
        if (d.format == Display.Format.SIMPLE) {
            List<String> conf = new ArrayList<>();
            for (Member m : resp.getMembersList()) {
                for (String u : m.getPeerURLsList()) {
                    conf.add((m.getID() == resp.getMember().getID() ? name : m.getName()) + "=" + u);
                }
            }
            EtchCtl ctl = inv.ctl();
            ctl.out.print("\n");
            ctl.out.printf("ETCD_NAME=%s%n", Go.quote(name));
            ctl.out.printf("ETCD_INITIAL_CLUSTER=%s%n", Go.quote(String.join(",", conf)));
            ctl.out.printf("ETCD_INITIAL_ADVERTISE_PEER_URLS=%s%n", Go.quote(urls));
            ctl.out.printf("ETCD_INITIAL_CLUSTER_STATE=\"existing\"%n");
        }
    }

    /** The endpoints to act on: --endpoints, or with --cluster every member's client URLs. */
    static List<String> endpoints(Invocation inv) {
        Client.Config cfg = inv.ctl().config(inv);
        if (!inv.bool("cluster")) {
            return inv.flag("endpoints").strings();
        }
        Client c = inv.ctl().newClient(cfg);
        try {
            MemberListResponse ml = c.call(ch -> c.cluster(ch).memberList(MemberListRequest.getDefaultInstance()));
            List<String> eps = new ArrayList<>();
            ml.getMembersList().forEach(m -> eps.addAll(m.getClientURLsList()));
            return eps;
        } catch (StatusRuntimeException e) {
            throw Exit.error(Exit.ERROR, "failed to fetch endpoints from etcd cluster member list: " + Errors.text(e));
        }
    }

    private static void health(Invocation inv) throws InterruptedException {
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        List<String> eps = endpoints(inv);
        Client base = ctl.client(inv);
        List<Display.Health> list = new ArrayList<>();
        Thread[] threads = new Thread[eps.size()];
        Display.Health[] results = new Display.Health[eps.size()];
        for (int i = 0; i < eps.size(); i++) {
            int idx = i;
            String ep = eps.get(i);
            threads[i] = new Thread(() -> results[idx] = checkHealth(base.forEndpoint(ep), ep));
            threads[i].start();
        }
        boolean errs = false;
        for (int i = 0; i < eps.size(); i++) {
            threads[i].join();
            list.add(results[i]);
            errs |= !results[i].error().isEmpty();
        }
        d.endpointHealth(list);
        if (errs) {
            throw Exit.error(Exit.ERROR, "unhealthy cluster");
        }
    }

    private static Display.Health checkHealth(Client c, String ep) {
        long start = System.nanoTime();
        try (c) {
            String error = "";
            boolean healthy;
            try {
                c.call(ch -> c.kv(ch).range(RangeRequest.newBuilder().setKey(Keys.of("health")).build()));
                healthy = true;
            } catch (StatusRuntimeException e) {
                healthy = Errors.is(e, "etcdserver: permission denied");
                if (!healthy) {
                    error = Errors.text(e);
                }
            } catch (Exit e) {
                healthy = false;
                error = e.text;
            }
            String took = Go.duration(System.nanoTime() - start);
            if (healthy) {
                try {
                    AlarmResponse alarms = c.call(ch -> c.maintenance(ch).alarm(AlarmRequest.newBuilder()
                        .setAction(AlarmRequest.AlarmAction.GET).build()));
                    if (alarms.getAlarmsCount() > 0) {
                        healthy = false;
                        StringBuilder s = new StringBuilder("Active Alarm(s): ");
                        for (AlarmMember a : alarms.getAlarmsList()) {
                            s.append(a.getAlarm() == AlarmType.NOSPACE ? "NOSPACE " : a.getAlarm() == AlarmType.CORRUPT ? "CORRUPT " : "UNKNOWN ");
                        }
                        error = s.toString();
                    }
                } catch (StatusRuntimeException e) {
                    healthy = false;
                    error = "Unable to fetch the alarm list";
                }
            }
            return new Display.Health(ep, healthy, took, error);
        }
    }

    private static void status(Invocation inv) {
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        List<String> eps = endpoints(inv);
        Client base = ctl.client(inv);
        List<Display.Status> list = new ArrayList<>();
        boolean failed = false;
        for (String ep : eps) {
            try (Client c = base.forEndpoint(ep)) {
                StatusResponse r = c.call(ch -> c.maintenance(ch).status(StatusRequest.getDefaultInstance()));
                list.add(new Display.Status(ep, r));
            } catch (StatusRuntimeException e) {
                failed = true;
                ctl.err.printf("Failed to get the status of endpoint %s (%s)%n", ep, Errors.text(e));
            }
        }
        d.endpointStatus(list);
        if (failed) {
            throw Exit.quiet(Exit.ERROR);
        }
    }

    private static void hashKV(Invocation inv) {
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        List<String> eps = endpoints(inv);
        Client base = ctl.client(inv);
        List<Display.HashKV> list = new ArrayList<>();
        String err = null;
        long rev = inv.number("rev");
        for (String ep : eps) {
            try (Client c = base.forEndpoint(ep)) {
                list.add(new Display.HashKV(ep, c.call(ch -> c.maintenance(ch).hashKV(HashKVRequest.newBuilder().setRevision(rev).build()))));
            } catch (StatusRuntimeException e) {
                err = Errors.text(e);
                ctl.err.printf("Failed to get the hash of endpoint %s (%s)%n", ep, err);
            }
        }
        d.endpointHashKV(list);
        if (err != null) {
            throw Exit.error(Exit.ERROR, err);
        }
    }

    private static void moveLeader(Invocation inv) {
        if (inv.args().size() != 1) {
            throw Exit.error(Exit.BAD_ARGS, "move-leader command needs 1 argument");
        }
        long target;
        try {
            target = Go.parseUint(inv.args().get(0), 16);
        } catch (IllegalArgumentException e) {
            throw Exit.error(Exit.BAD_ARGS, e.getMessage());
        }
        EtchCtl ctl = inv.ctl();
        Display d = ctl.display(inv);
        Client base = ctl.client(inv);
        List<String> eps = inv.flag("endpoints").strings();
        for (String ep : eps) {
            Client c = base.forEndpoint(ep);
            StatusResponse st = c.call(ch -> c.maintenance(ch).status(StatusRequest.getDefaultInstance()));
            if (st.getHeader().getMemberId() == st.getLeader()) {
                try (c) {
                    d.moveLeader(st.getLeader(), target,
                        c.call(ch -> c.maintenance(ch).moveLeader(MoveLeaderRequest.newBuilder().setTargetID(target).build())));
                }
                return;
            }
            c.close();
        }
        throw Exit.error(Exit.BAD_ARGS, "no leader endpoint given at [" + String.join(" ", eps) + "]");
    }

    private static void defrag(Invocation inv) {
        EtchCtl ctl = inv.ctl();
        if (!inv.string("data-dir").isEmpty()) {
            throw Exit.error(Exit.ERROR, "--data-dir is not supported by etchctl: defragment an Etch member through its endpoint");
        }
        List<String> eps = endpoints(inv);
        Client base = ctl.client(inv);
        int failures = 0;
        for (String ep : eps) {
            try (Client c = base.forEndpoint(ep)) {
                c.call(ch -> c.maintenance(ch).defragment(DefragmentRequest.getDefaultInstance()));
                ctl.out.printf("Finished defragmenting etcd member[%s]%n", ep);
            } catch (StatusRuntimeException e) {
                ctl.err.printf("Failed to defragment etcd member[%s] (%s)%n", ep, Errors.text(e));
                failures++;
            }
        }
        if (failures != 0) {
            throw Exit.quiet(Exit.ERROR);
        }
    }

    private static void snapshotSave(Invocation inv) throws Exception {
        if (inv.args().size() != 1) {
            throw Exit.error(Exit.BAD_ARGS, "snapshot save expects one argument");
        }
        EtchCtl ctl = inv.ctl();
        Client.Config cfg = ctl.config(inv);
        if (cfg.endpoints().size() != 1) {
            throw Exit.error(Exit.INTERRUPTED, "snapshot must be requested to one selected node, not multiple [" + String.join(" ",
                cfg.endpoints()) + "]");
        }
        Path path = Path.of(inv.args().get(0));
        Path part = Path.of(path + ".part");
        Client c = ctl.client(inv);
        ctl.log("info", "snapshot/v3_snapshot.go:65", "created temporary db file", "path", part.toString());
        try (OutputStream o = Files.newOutputStream(part)) {
            MaintenanceGrpc.MaintenanceBlockingStub stub = MaintenanceGrpc.newBlockingStub(c.connected());
            if (inv.flag("command-timeout").changed) {
                stub = stub.withDeadlineAfter(cfg.commandTimeoutNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            Iterator<SnapshotResponse> it = stub.snapshot(SnapshotRequest.getDefaultInstance());
            while (it.hasNext()) {
                o.write(it.next().getBlob().toByteArray());
            }
        } catch (StatusRuntimeException e) {
            Files.deleteIfExists(part);
            throw Exit.error(Exit.INTERRUPTED, Errors.text(e));
        }
        long size = Files.size(part);
        if (size % 512 != 32) {
            // etcd appends the file's SHA-256; without it the transfer was cut short.
            Files.deleteIfExists(part);
            throw Exit.error(Exit.INTERRUPTED, "sha256 checksum not found [bytes: " + size + "]");
        }
        Files.move(part, path, StandardCopyOption.REPLACE_EXISTING);
        ctl.log("info", "snapshot/v3_snapshot.go:97", "saved", "path", path.toString());
        ctl.out.println("Snapshot saved at " + path);
    }
}
