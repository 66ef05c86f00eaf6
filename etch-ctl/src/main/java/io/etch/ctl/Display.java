package io.etch.ctl;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etch.api.authpb.Permission;
import io.etch.api.etcdserverpb.*;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** etcdctl's printers (simple, json, fields, table, protobuf), one method per kind of response. */
final class Display {
    enum Format { SIMPLE, JSON, FIELDS, TABLE, PROTOBUF }

    /** An endpoint health result, as etcdctl's epHealth. */
    record Health(String ep, boolean health, String took, String error) {
    }

    /** An endpoint's status, as etcdctl's epStatus. */
    record Status(String ep, StatusResponse resp) {
    }

    /** An endpoint's KV hash, as etcdctl's epHashKV. */
    record HashKV(String ep, HashKVResponse resp) {
    }

    final Format format;
    final boolean hex;
    boolean valueOnly;
    private final PrintStream out;
    private final PrintStream err;

    Display(Format format, boolean hex, PrintStream out, PrintStream err) {
        this.format = format;
        this.hex = hex;
        this.out = out;
        this.err = err;
    }

    static Format parseFormat(String s) {
        return switch (s) {
            case "simple" -> Format.SIMPLE;
            case "json" -> Format.JSON;
            case "fields" -> Format.FIELDS;
            case "table" -> Format.TABLE;
            case "protobuf" -> Format.PROTOBUF;
            default -> null;
        };
    }

    private Exit unsupported() {
        return Exit.error(Exit.BAD_FEATURE, format.name().toLowerCase() + " not supported as output format");
    }

    /** The formats that print every RPC response as is (json, protobuf), and the unsupported ones. */
    private boolean rpc(Message m) {
        switch (format) {
            case JSON -> {
                out.println(GoJson.of(m));
                return true;
            }
            case PROTOBUF -> {
                out.write(m.toByteArray(), 0, m.getSerializedSize());
                out.flush();
                return true;
            }
            case TABLE -> throw unsupported();
            default -> {
                return false;
            }
        }
    }

    // ---- KV

    void kv(KeyValue kv) {
        String k = text(kv.getKey());
        String v = text(kv.getValue());
        if (hex) {
            k = hexEscaped(kv.getKey());
            v = hexEscaped(kv.getValue());
        }
        if (!valueOnly) {
            out.println(k);
        }
        out.println(v);
    }

    private static String text(ByteString b) {
        return Go.text(b.toByteArray());
    }

    static String hexEscaped(ByteString b) {
        String h = HexFormat.of().formatHex(b.toByteArray());
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < h.length(); i += 2) {
            s.append("\\x").append(h, i, i + 2);
        }
        return s.toString();
    }

    private void fieldsKv(String pfx, KeyValue kv) {
        out.printf("\"%sKey\" : %s%n", pfx, Go.quote(kv.getKey().toByteArray()));
        out.printf("\"%sCreateRevision\" : %d%n", pfx, kv.getCreateRevision());
        out.printf("\"%sModRevision\" : %d%n", pfx, kv.getModRevision());
        out.printf("\"%sVersion\" : %d%n", pfx, kv.getVersion());
        out.printf("\"%sValue\" : %s%n", pfx, Go.quote(kv.getValue().toByteArray()));
        out.printf("\"%sLease\" : %d%n", pfx, kv.getLease());
    }

    private void hdr(ResponseHeader h) {
        out.println("\"ClusterID\" : " + Go.unsigned(h.getClusterId()));
        out.println("\"MemberID\" : " + Go.unsigned(h.getMemberId()));
        out.println("\"Revision\" : " + h.getRevision());
        out.println("\"RaftTerm\" : " + Go.unsigned(h.getRaftTerm()));
    }

    void get(RangeResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            r.getKvsList().forEach(kv -> fieldsKv("", kv));
            out.println("\"More\" : " + r.getMore());
            out.println("\"Count\" : " + r.getCount());
            return;
        }
        r.getKvsList().forEach(this::kv);
    }

    void put(PutResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            if (r.hasPrevKv()) {
                fieldsKv("Prev", r.getPrevKv());
            }
            return;
        }
        out.println("OK");
        if (r.hasPrevKv()) {
            kv(r.getPrevKv());
        }
    }

    void del(DeleteRangeResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            out.println("\"Deleted\" : " + r.getDeleted());
            r.getPrevKvsList().forEach(kv -> fieldsKv("Prev", kv));
            return;
        }
        out.println(r.getDeleted());
        r.getPrevKvsList().forEach(this::kv);
    }

    void txn(TxnResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            out.println("\"Succeeded\" : " + r.getSucceeded());
            for (ResponseOp op : r.getResponsesList()) {
                switch (op.getResponseCase()) {
                    case RESPONSE_DELETE_RANGE -> del(op.getResponseDeleteRange());
                    case RESPONSE_PUT -> put(op.getResponsePut());
                    case RESPONSE_RANGE -> get(op.getResponseRange());
                    default -> out.printf("\"Unknown\" : %s%n", Go.quote(op.toString()));
                }
            }
            return;
        }
        out.println(r.getSucceeded() ? "SUCCESS" : "FAILURE");
        for (ResponseOp op : r.getResponsesList()) {
            out.println();
            switch (op.getResponseCase()) {
                case RESPONSE_DELETE_RANGE -> del(op.getResponseDeleteRange());
                case RESPONSE_PUT -> put(op.getResponsePut());
                case RESPONSE_RANGE -> get(op.getResponseRange());
                default -> out.println("unexpected response " + op);
            }
        }
    }

    void watch(WatchResponse r) {
        switch (format) {
            case JSON -> {
                GoJson j = new GoJson().raw("{\"Header\":").message(r.getHeader()).raw(",\"Events\":");
                if (r.getEventsCount() == 0) {
                    j.raw("null");
                } else {
                    j.raw("[");
                    for (int i = 0; i < r.getEventsCount(); i++) {
                        j.raw(i > 0 ? "," : "").message(r.getEvents(i));
                    }
                    j.raw("]");
                }
                j.raw(",\"CompactRevision\":" + r.getCompactRevision() + ",\"Canceled\":" + r.getCanceled()
                    + ",\"Created\":" + r.getCreated() + "}");
                out.println(j);
            }
            case PROTOBUF -> {
                WatchResponse wr = WatchResponse.newBuilder().setHeader(r.getHeader()).addAllEvents(r.getEventsList())
                    .setCompactRevision(r.getCompactRevision()).setCanceled(r.getCanceled()).setCreated(r.getCreated()).build();
                out.write(wr.toByteArray(), 0, wr.getSerializedSize());
                out.flush();
            }
            case TABLE -> throw unsupported();
            case FIELDS -> {
                hdr(r.getHeader());
                for (Event e : r.getEventsList()) {
                    out.println("\"Type\" : " + e.getType().name());
                    if (e.hasPrevKv()) {
                        fieldsKv("Prev", e.getPrevKv());
                    }
                    fieldsKv("", e.getKv());
                }
            }
            case SIMPLE -> {
                for (Event e : r.getEventsList()) {
                    out.println(e.getType().name());
                    if (e.hasPrevKv()) {
                        kv(e.getPrevKv());
                    }
                    kv(e.getKv());
                }
            }
        }
    }

    // ---- Lease (clientv3 wraps these responses in structs of its own, which json prints as such)

    private static String embeddedHeader(ResponseHeader h, boolean present) {
        if (!present) {
            return "";
        }
        GoJson j = new GoJson();
        return j.fields(h, true) ? j + "," : "";
    }

    void grant(LeaseGrantResponse r) {
        switch (format) {
            case JSON -> out.println("{" + embeddedHeader(r.getHeader(), r.hasHeader()) + "\"ID\":" + r.getID() + ",\"TTL\":"
                + r.getTTL() + ",\"Error\":" + new GoJson().string(r.getError()) + "}");
            case PROTOBUF -> throw marshalUnsupported("clientv3.LeaseGrantResponse");
            case TABLE -> throw unsupported();
            case FIELDS -> {
                hdr(r.getHeader());
                out.println("\"ID\" : " + r.getID());
                out.println("\"TTL\" : " + r.getTTL());
            }
            case SIMPLE -> out.printf("lease %016x granted with TTL(%ds)%n", r.getID(), r.getTTL());
        }
    }

    private static Exit marshalUnsupported(String type) {
        return Exit.error(Exit.BAD_FEATURE, "marshal unsupported for type " + type);
    }

    void revoke(long id, LeaseRevokeResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            return;
        }
        out.printf("lease %016x revoked%n", id);
    }

    void keepAlive(LeaseKeepAliveResponse r) {
        switch (format) {
            case JSON -> out.println("{" + embeddedHeader(r.getHeader(), r.hasHeader()) + "\"ID\":" + r.getID() + ",\"TTL\":"
                + r.getTTL() + "}");
            case PROTOBUF -> throw marshalUnsupported("clientv3.LeaseKeepAliveResponse");
            case TABLE -> throw unsupported();
            case FIELDS -> {
                hdr(r.getHeader());
                out.println("\"ID\" : " + r.getID());
                out.println("\"TTL\" : " + r.getTTL());
            }
            case SIMPLE -> out.printf("lease %016x keepalived with TTL(%d)%n", r.getID(), r.getTTL());
        }
    }

    void timeToLive(LeaseTimeToLiveResponse r, boolean keys) {
        switch (format) {
            case JSON -> {
                GoJson j = new GoJson().raw("{" + embeddedHeader(r.getHeader(), r.hasHeader()) + "\"id\":" + r.getID()
                    + ",\"ttl\":" + r.getTTL() + ",\"granted-ttl\":" + r.getGrantedTTL() + ",\"keys\":");
                if (r.getKeysCount() == 0) {
                    j.raw("null");
                } else {
                    j.raw("[");
                    for (int i = 0; i < r.getKeysCount(); i++) {
                        j.raw(i > 0 ? "," : "").bytes(r.getKeys(i).toByteArray());
                    }
                    j.raw("]");
                }
                out.println(j.raw("}"));
            }
            case PROTOBUF -> throw marshalUnsupported("*clientv3.LeaseTimeToLiveResponse");
            case TABLE -> throw unsupported();
            case FIELDS -> {
                hdr(r.getHeader());
                out.println("\"ID\" : " + r.getID());
                out.println("\"TTL\" : " + r.getTTL());
                out.println("\"GrantedTTL\" : " + r.getGrantedTTL());
                for (ByteString k : r.getKeysList()) {
                    out.printf("\"Key\" : %s%n", Go.quote(k.toByteArray()));
                }
            }
            case SIMPLE -> {
                if (r.getGrantedTTL() == 0 && r.getTTL() == -1) {
                    out.printf("lease %016x already expired%n", r.getID());
                    return;
                }
                String txt = String.format("lease %016x granted with TTL(%ds), remaining(%ds)", r.getID(), r.getGrantedTTL(), r.getTTL());
                if (keys) {
                    List<String> ks = new ArrayList<>();
                    r.getKeysList().forEach(k -> ks.add(text(k)));
                    txt += ", attached keys([" + String.join(" ", ks) + "])";
                }
                out.println(txt);
            }
        }
    }

    void leases(LeaseLeasesResponse r) {
        switch (format) {
            case JSON -> {
                StringBuilder s = new StringBuilder("{" + embeddedHeader(r.getHeader(), r.hasHeader()) + "\"leases\":");
                if (r.getLeasesCount() == 0) {
                    s.append("null");
                } else {
                    s.append('[');
                    for (int i = 0; i < r.getLeasesCount(); i++) {
                        s.append(i > 0 ? "," : "").append("{\"id\":").append(r.getLeases(i).getID()).append('}');
                    }
                    s.append(']');
                }
                out.println(s.append('}'));
            }
            case PROTOBUF -> throw marshalUnsupported("*clientv3.LeaseLeasesResponse");
            case TABLE -> throw unsupported();
            case FIELDS -> {
                hdr(r.getHeader());
                r.getLeasesList().forEach(l -> out.println("\"ID\" : " + l.getID()));
            }
            case SIMPLE -> {
                out.printf("found %d leases%n", r.getLeasesCount());
                r.getLeasesList().forEach(l -> out.printf("%016x%n", l.getID()));
            }
        }
    }

    // ---- Cluster

    void memberAdd(MemberAddResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            throw unsupported();
        }
        out.printf("Member %16x added to cluster %16x%n", r.getMember().getID(), r.getHeader().getClusterId());
    }

    void memberRemove(long id, MemberRemoveResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            throw unsupported();
        }
        out.printf("Member %16x removed from cluster %16x%n", id, r.getHeader().getClusterId());
    }

    void memberUpdate(long id, MemberUpdateResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            throw unsupported();
        }
        out.printf("Member %16x updated in cluster %16x%n", id, r.getHeader().getClusterId());
    }

    void memberPromote(long id, MemberPromoteResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            throw unsupported();
        }
        out.printf("Member %16x promoted in cluster %16x%n", id, r.getHeader().getClusterId());
    }

    private static List<List<String>> memberRows(MemberListResponse r) {
        List<List<String>> rows = new ArrayList<>();
        for (Member m : r.getMembersList()) {
            rows.add(List.of(Long.toHexString(m.getID()), m.getName().isEmpty() ? "unstarted" : "started", m.getName(),
                String.join(",", m.getPeerURLsList()), String.join(",", m.getClientURLsList()), Boolean.toString(m.getIsLearner())));
        }
        return rows;
    }

    void memberList(MemberListResponse r) {
        switch (format) {
            case JSON -> {
                if (!hex) {
                    out.println(GoJson.of(r));
                    return;
                }
                StringBuilder s = new StringBuilder("{\"header\":{\"cluster_id\":\"").append(Long.toHexString(r.getHeader().getClusterId()))
                    .append("\",\"member_id\":\"").append(Long.toHexString(r.getHeader().getMemberId()))
                    .append("\",\"raft_term\":").append(Go.unsigned(r.getHeader().getRaftTerm())).append('}');
                for (int i = 0; i < r.getMembersCount(); i++) {
                    Member m = r.getMembers(i);
                    s.append(i == 0 ? ",\"members\":[{\"ID\":\"" : ",{\"ID\":\"").append(Long.toHexString(m.getID()))
                        .append("\",\"name\":\"").append(m.getName()).append("\",\"peerURLs\":").append(jsonStrings(m.getPeerURLsList()))
                        .append(",\"clientURLS\":").append(jsonStrings(m.getClientURLsList())).append('}');
                    if (i == r.getMembersCount() - 1) {
                        s.append(']');
                    }
                }
                out.println(s.append('}'));
            }
            case PROTOBUF -> rpc(r);
            case TABLE -> out.print(Table.render(List.of("ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"),
                memberRows(r)));
            case FIELDS -> {
                hdr(r.getHeader());
                for (Member m : r.getMembersList()) {
                    out.println("\"ID\" : " + Go.unsigned(m.getID()));
                    out.printf("\"Name\" : %s%n", Go.quote(m.getName()));
                    m.getPeerURLsList().forEach(u -> out.printf("\"PeerURL\" : %s%n", Go.quote(u)));
                    m.getClientURLsList().forEach(u -> out.printf("\"ClientURL\" : %s%n", Go.quote(u)));
                    out.println("\"IsLearner\" : " + m.getIsLearner());
                    out.println();
                }
            }
            case SIMPLE -> memberRows(r).forEach(row -> out.println(String.join(", ", row)));
        }
    }

    private static String jsonStrings(List<String> list) {
        if (list.isEmpty()) {
            return "null";
        }
        GoJson j = new GoJson().raw("[");
        for (int i = 0; i < list.size(); i++) {
            j.raw(i > 0 ? "," : "").string(list.get(i));
        }
        return j.raw("]").toString();
    }

    // ---- Endpoints

    void endpointHealth(List<Health> hs) {
        switch (format) {
            case JSON -> {
                StringBuilder s = new StringBuilder("[");
                for (int i = 0; i < hs.size(); i++) {
                    Health h = hs.get(i);
                    s.append(i > 0 ? "," : "").append("{\"endpoint\":").append(new GoJson().string(h.ep())).append(",\"health\":")
                        .append(h.health()).append(",\"took\":").append(new GoJson().string(h.took()));
                    if (!h.error().isEmpty()) {
                        s.append(",\"error\":").append(new GoJson().string(h.error()));
                    }
                    s.append('}');
                }
                out.println(s.append(']'));
            }
            case PROTOBUF -> throw unsupported();
            case TABLE -> {
                List<List<String>> rows = new ArrayList<>();
                hs.forEach(h -> rows.add(List.of(h.ep(), Boolean.toString(h.health()), h.took(), h.error())));
                out.print(Table.render(List.of("endpoint", "health", "took", "error"), rows));
            }
            case FIELDS -> {
                for (Health h : hs) {
                    out.printf("\"Endpoint\" : %s%n", Go.quote(h.ep()));
                    out.println("\"Health\" : " + h.health());
                    out.println("\"Took\" : " + h.took());
                    out.println("\"Error\" : " + h.error());
                    out.println();
                }
            }
            case SIMPLE -> {
                for (Health h : hs) {
                    if (h.error().isEmpty()) {
                        out.printf("%s is healthy: successfully committed proposal: took = %s%n", h.ep(), h.took());
                    } else {
                        err.printf("%s is unhealthy: failed to commit proposal: %s%n", h.ep(), h.error());
                    }
                }
            }
        }
    }

    private static List<List<String>> statusRows(List<Status> list) {
        List<List<String>> rows = new ArrayList<>();
        for (Status st : list) {
            StatusResponse r = st.resp();
            rows.add(List.of(st.ep(), Long.toHexString(r.getHeader().getMemberId()), r.getVersion(), Go.humanBytes(r.getDbSize()),
                Boolean.toString(r.getLeader() == r.getHeader().getMemberId()), Boolean.toString(r.getIsLearner()),
                Go.unsigned(r.getRaftTerm()), Go.unsigned(r.getRaftIndex()), Go.unsigned(r.getRaftAppliedIndex()),
                String.join(", ", r.getErrorsList())));
        }
        return rows;
    }

    void endpointStatus(List<Status> list) {
        switch (format) {
            case JSON -> {
                StringBuilder s = new StringBuilder("[");
                for (int i = 0; i < list.size(); i++) {
                    s.append(i > 0 ? "," : "").append("{\"Endpoint\":").append(new GoJson().string(list.get(i).ep()))
                        .append(",\"Status\":").append(GoJson.of(asEtcd35(list.get(i).resp()))).append('}');
                }
                out.println(s.append(']'));
            }
            case PROTOBUF -> throw unsupported();
            case TABLE -> out.print(Table.render(List.of("endpoint", "ID", "version", "db size", "is leader", "is learner",
                "raft term", "raft index", "raft applied index", "errors"), statusRows(list)));
            case FIELDS -> {
                for (Status st : list) {
                    StatusResponse r = st.resp();
                    hdr(r.getHeader());
                    out.printf("\"Version\" : %s%n", Go.quote(r.getVersion()));
                    out.println("\"DBSize\" : " + r.getDbSize());
                    out.println("\"Leader\" : " + Go.unsigned(r.getLeader()));
                    out.println("\"IsLearner\" : " + r.getIsLearner());
                    out.println("\"RaftIndex\" : " + Go.unsigned(r.getRaftIndex()));
                    out.println("\"RaftTerm\" : " + Go.unsigned(r.getRaftTerm()));
                    out.println("\"RaftAppliedIndex\" : " + Go.unsigned(r.getRaftAppliedIndex()));
                    out.println("\"Errors\" : [" + String.join(" ", r.getErrorsList()) + "]");
                    out.printf("\"Endpoint\" : %s%n", Go.quote(st.ep()));
                    out.println();
                }
            }
            case SIMPLE -> statusRows(list).forEach(row -> out.println(String.join(", ", row)));
        }
    }

    /**
     * The status as etcdctl 3.5 decodes it: its generated struct has no fields for etcd 3.6's
     * additions, so its JSON never shows them, whichever server answered (the same goes for
     * HashKV's hash_revision).
     */
    private static StatusResponse asEtcd35(StatusResponse r) {
        return r.toBuilder().clearStorageVersion().clearDbSizeQuota().clearDowngradeInfo().build();
    }

    void endpointHashKV(List<HashKV> list) {
        List<List<String>> rows = new ArrayList<>();
        list.forEach(h -> rows.add(List.of(h.ep(), Integer.toUnsignedString(h.resp().getHash()))));
        switch (format) {
            case JSON -> {
                StringBuilder s = new StringBuilder("[");
                for (int i = 0; i < list.size(); i++) {
                    s.append(i > 0 ? "," : "").append("{\"Endpoint\":").append(new GoJson().string(list.get(i).ep()))
                        .append(",\"HashKV\":").append(GoJson.of(list.get(i).resp().toBuilder().clearHashRevision().build())).append('}');
                }
                out.println(s.append(']'));
            }
            case PROTOBUF -> throw unsupported();
            case TABLE -> out.print(Table.render(List.of("endpoint", "hash"), rows));
            case FIELDS -> {
                for (HashKV h : list) {
                    hdr(h.resp().getHeader());
                    out.printf("\"Endpoint\" : %s%n", Go.quote(h.ep()));
                    out.println("\"Hash\" : " + Integer.toUnsignedString(h.resp().getHash()));
                    out.println();
                }
            }
            case SIMPLE -> rows.forEach(row -> out.println(String.join(", ", row)));
        }
    }

    void moveLeader(long leader, long target, MoveLeaderResponse r) {
        if (format == Format.TABLE || format == Format.FIELDS) {
            throw unsupported();
        }
        if (rpc(r)) {
            return;
        }
        out.printf("Leadership transferred from %s to %s%n", Long.toHexString(leader), Long.toHexString(target));
    }

    void alarm(AlarmResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            for (AlarmMember a : r.getAlarmsList()) {
                out.println("\"MemberID\" : " + Go.unsigned(a.getMemberID()));
                out.println("\"AlarmType\" : " + a.getAlarm().name());
                out.println();
            }
            return;
        }
        for (AlarmMember a : r.getAlarmsList()) {
            out.println("memberID:" + Go.unsigned(a.getMemberID()) + " alarm:" + a.getAlarm().name() + " ");
        }
    }

    // ---- Auth

    /** The printers that show only the header for fields, and a sentence for simple. */
    private void authSimple(Message r, ResponseHeader h, String sentence) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(h);
            return;
        }
        out.println(sentence);
    }

    void roleAdd(String role, AuthRoleAddResponse r) {
        authSimple(r, r.getHeader(), "Role " + role + " created");
    }

    void roleDelete(String role, AuthRoleDeleteResponse r) {
        authSimple(r, r.getHeader(), "Role " + role + " deleted");
    }

    void roleGrantPermission(String role, AuthRoleGrantPermissionResponse r) {
        authSimple(r, r.getHeader(), "Role " + role + " updated");
    }

    void roleRevokePermission(String role, String key, String end, AuthRoleRevokePermissionResponse r) {
        String s;
        if (end.isEmpty()) {
            s = "Permission of key " + key + " is revoked from role " + role;
        } else if (!end.equals("\0")) {
            s = "Permission of range [" + key + ", " + end + ") is revoked from role " + role;
        } else {
            s = "Permission of range [" + key + ", <open ended> is revoked from role " + role;
        }
        authSimple(r, r.getHeader(), s);
    }

    void userAdd(String user, AuthUserAddResponse r) {
        authSimple(r, r.getHeader(), "User " + user + " created");
    }

    void userDelete(String user, AuthUserDeleteResponse r) {
        authSimple(r, r.getHeader(), "User " + user + " deleted");
    }

    void userChangePassword(AuthUserChangePasswordResponse r) {
        authSimple(r, r.getHeader(), "Password updated");
    }

    void userGrantRole(String user, String role, AuthUserGrantRoleResponse r) {
        authSimple(r, r.getHeader(), "Role " + role + " is granted to user " + user);
    }

    void userRevokeRole(String user, String role, AuthUserRevokeRoleResponse r) {
        authSimple(r, r.getHeader(), "Role " + role + " is revoked from user " + user);
    }

    void roleGet(String role, AuthRoleGetResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            for (Permission p : r.getPermList()) {
                out.println("\"PermType\" :  " + p.getPermType().name());
                out.printf("\"Key\" : %s%n", Go.quote(p.getKey().toByteArray()));
                out.printf("\"RangeEnd\" : %s%n", Go.quote(p.getRangeEnd().toByteArray()));
            }
            return;
        }
        out.println("Role " + role);
        out.println("KV Read:");
        for (Permission p : r.getPermList()) {
            if (p.getPermType() == Permission.Type.READ || p.getPermType() == Permission.Type.READWRITE) {
                printPerm(p);
            }
        }
        out.println("KV Write:");
        for (Permission p : r.getPermList()) {
            if (p.getPermType() == Permission.Type.WRITE || p.getPermType() == Permission.Type.READWRITE) {
                printPerm(p);
            }
        }
    }

    private void printPerm(Permission p) {
        String key = text(p.getKey());
        if (p.getRangeEnd().isEmpty()) {
            out.println("\t" + key);
            return;
        }
        String end = text(p.getRangeEnd());
        if (!end.equals("\0")) {
            out.print("\t[" + key + ", " + end + ")");
        } else {
            out.print("\t[" + key + ", <open ended>");
        }
        if (Keys.prefixEnd(p.getKey()).equals(p.getRangeEnd())) {
            out.print(" (prefix " + key + ")");
        }
        out.println();
    }

    void roleList(AuthRoleListResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            hdr(r.getHeader());
            out.print("\"Roles\" :");
            r.getRolesList().forEach(x -> out.print(" " + Go.quote(x)));
            out.println();
            return;
        }
        r.getRolesList().forEach(out::println);
    }

    void userGet(String name, AuthUserGetResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            throw unsupported();
        }
        out.println("User: " + name);
        out.print("Roles:");
        r.getRolesList().forEach(x -> out.print(" " + x));
        out.println();
    }

    void userList(AuthUserListResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            throw unsupported();
        }
        r.getUsersList().forEach(out::println);
    }

    void authStatus(AuthStatusResponse r) {
        if (rpc(r)) {
            return;
        }
        if (format == Format.FIELDS) {
            throw unsupported();
        }
        out.println("Authentication Status: " + r.getEnabled());
        out.println("AuthRevision: " + Go.unsigned(r.getAuthRevision()));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
