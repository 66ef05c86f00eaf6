package io.etch.apply;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.ResponseOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.etch.errors.EtcdError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * A plain model of etcd's KV semantics for the property test: the whole key space is copied at every
 * revision (revision → key → KeyValue), and every rule is written out directly from etcd's source.
 */
final class KvModel {
    static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();
    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    /** A client-visible failure expected from the model. */
    static final class Failure extends RuntimeException {
        final EtcdError error;

        Failure(EtcdError error) {
            super(error.name(), null, false, false);
            this.error = error;
        }
    }

    private final Set<Long> leases;
    final TreeMap<Long, TreeMap<ByteString, KeyValue>> history = new TreeMap<>();
    final List<Map.Entry<Long, List<Event>>> events = new ArrayList<>();
    long rev = 1;
    long compacted = -1;

    KvModel(Set<Long> leases) {
        this.leases = leases;
        history.put(1L, new TreeMap<>(ORDER));
    }

    /** The changes of one entry in progress. */
    private final class Work {
        final TreeMap<ByteString, KeyValue> state = new TreeMap<>(current());
        final List<Event> events = new ArrayList<>();
        boolean changed;

        long revision() {
            return changed ? rev + 1 : rev;
        }

        void commit() {
            if (changed) {
                rev++;
                history.put(rev, state);
                KvModel.this.events.add(Map.entry(rev, events));
            }
        }
    }

    TreeMap<ByteString, KeyValue> current() {
        return history.get(rev);
    }

    private static List<KeyValue> inRange(NavigableMap<ByteString, KeyValue> state, ByteString key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            KeyValue kv = state.get(key);
            return kv == null ? List.of() : List.of(kv);
        }
        if (rangeEnd.equals(ZERO)) {
            return new ArrayList<>(state.tailMap(key, true).values());
        }
        if (ORDER.compare(key, rangeEnd) >= 0) {
            return List.of();
        }
        return new ArrayList<>(state.subMap(key, true, rangeEnd, false).values());
    }

    // --- requests ------------------------------------------------------------------------------

    PutResponse put(PutRequest p) {
        if (p.getLease() != 0 && !leases.contains(p.getLease())) {
            throw new Failure(EtcdError.LEASE_NOT_FOUND);
        }
        Work w = new Work();
        PutResponse resp = put(w, p);
        w.commit();
        return resp;
    }

    DeleteRangeResponse deleteRange(DeleteRangeRequest d) {
        Work w = new Work();
        DeleteRangeResponse resp = deleteRange(w, d);
        w.commit();
        return resp;
    }

    RangeResponse range(RangeRequest r) {
        return range(r, rev, current());
    }

    void compact(long c) {
        if (c <= compacted) {
            throw new Failure(EtcdError.COMPACTED);
        }
        if (c > rev) {
            throw new Failure(EtcdError.FUTURE_REV);
        }
        compacted = c;
    }

    TxnResponse txn(TxnRequest t) {
        TreeMap<ByteString, KeyValue> before = current();
        List<Boolean> path = new ArrayList<>();
        choosePath(before, t, path);
        boolean write = false;
        for (RequestOp op : t.getSuccessList()) {
            write |= !op.hasRequestRange();
        }
        for (RequestOp op : t.getFailureList()) {
            write |= !op.hasRequestRange();
        }
        if (write) {
            forEachChosenOp(t, path, new int[] {0}, op -> {
                if (op.hasRequestPut()) {
                    PutRequest p = op.getRequestPut();
                    if ((p.getIgnoreValue() || p.getIgnoreLease()) && !before.containsKey(p.getKey())) {
                        throw new Failure(EtcdError.KEY_NOT_FOUND);
                    }
                    if (p.getLease() != 0 && !leases.contains(p.getLease())) {
                        throw new Failure(EtcdError.LEASE_NOT_FOUND);
                    }
                }
            });
        }
        forEachChosenOp(t, path, new int[] {0}, op -> {
            if (op.hasRequestRange()) {
                long r = op.getRequestRange().getRevision();
                if (r != 0 && r > rev) {
                    throw new Failure(EtcdError.FUTURE_REV);
                }
                if (r != 0 && r < compacted) {
                    throw new Failure(EtcdError.COMPACTED);
                }
            }
        });
        Work w = new Work();
        TxnResponse.Builder resp = applyTxn(w, t, path, new int[] {0});
        resp.setHeader(ResponseHeader.newBuilder().setRevision(w.revision()));
        w.commit();
        return resp.build();
    }

    // --- internals -------------------------------------------------------------------------------

    private PutResponse put(Work w, PutRequest p) {
        KeyValue existing = w.state.get(p.getKey());
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && existing == null) {
            throw new Failure(EtcdError.KEY_NOT_FOUND);
        }
        long newRev = rev + 1;
        KeyValue kv = KeyValue.newBuilder()
                .setKey(p.getKey())
                .setValue(p.getIgnoreValue() ? existing.getValue() : p.getValue())
                .setLease(p.getIgnoreLease() ? existing.getLease() : p.getLease())
                .setCreateRevision(existing == null ? newRev : existing.getCreateRevision())
                .setModRevision(newRev)
                .setVersion(existing == null ? 1 : existing.getVersion() + 1)
                .build();
        w.state.put(p.getKey(), kv);
        w.changed = true;
        Event.Builder e = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
        KeyValue prev = current().get(p.getKey());
        if (kv.getCreateRevision() != kv.getModRevision() && prev != null) {
            e.setPrevKv(prev);
        }
        w.events.add(e.build());
        PutResponse.Builder resp = PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(newRev));
        if (p.getPrevKv() && existing != null) {
            resp.setPrevKv(existing);
        }
        return resp.build();
    }

    private DeleteRangeResponse deleteRange(Work w, DeleteRangeRequest d) {
        List<KeyValue> doomed = inRange(w.state, d.getKey(), d.getRangeEnd());
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder().setDeleted(doomed.size());
        if (d.getPrevKv()) {
            resp.addAllPrevKvs(doomed);
        }
        for (KeyValue kv : doomed) {
            w.state.remove(kv.getKey());
            w.changed = true;
            Event.Builder e = Event.newBuilder().setType(Event.EventType.DELETE)
                    .setKv(KeyValue.newBuilder().setKey(kv.getKey()).setModRevision(rev + 1));
            KeyValue prev = current().get(kv.getKey());
            if (prev != null) {
                e.setPrevKv(prev);
            }
            w.events.add(e.build());
        }
        resp.setHeader(ResponseHeader.newBuilder().setRevision(w.revision()));
        return resp.build();
    }

    /** A range where the newest revision is {@code curRev} with key space {@code curState}. */
    private RangeResponse range(RangeRequest r, long curRev, TreeMap<ByteString, KeyValue> curState) {
        long at = r.getRevision();
        if (at > curRev) {
            throw new Failure(EtcdError.FUTURE_REV);
        }
        if (at <= 0) {
            at = curRev;
        }
        if (at < compacted) {
            throw new Failure(EtcdError.COMPACTED);
        }
        TreeMap<ByteString, KeyValue> state = at == curRev ? curState : history.get(at);
        List<KeyValue> matching = inRange(state, r.getKey(), r.getRangeEnd());
        RangeResponse.Builder resp = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(curRev))
                .setCount(matching.size());
        if (r.getCountOnly()) {
            return resp.build();
        }
        boolean fetchAll = r.getSortOrderValue() != 0 || r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        List<KeyValue> kvs = new ArrayList<>(matching);
        if (!fetchAll && r.getLimit() > 0 && kvs.size() > r.getLimit() + 1) {
            kvs = new ArrayList<>(kvs.subList(0, (int) r.getLimit() + 1));
        }
        kvs.removeIf(kv -> r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision());
        kvs.removeIf(kv -> r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision());
        kvs.removeIf(kv -> r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision());
        kvs.removeIf(kv -> r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision());
        int order = r.getSortOrderValue();
        int target = r.getSortTargetValue();
        if (target != 0 && order == 0) {
            order = 1;
        }
        Comparator<KeyValue> cmp = switch (target) {
            case 0 -> Comparator.comparing(KeyValue::getKey, ORDER);
            case 1 -> Comparator.comparingLong(KeyValue::getVersion);
            case 2 -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case 3 -> Comparator.comparingLong(KeyValue::getModRevision);
            default -> Comparator.comparing(KeyValue::getValue, ORDER);
        };
        if (order == 1) {
            kvs.sort(cmp);
        } else if (order == 2) {
            kvs.sort(cmp.reversed());
        }
        if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
            kvs = kvs.subList(0, (int) r.getLimit());
            resp.setMore(true);
        }
        for (KeyValue kv : kvs) {
            resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return resp.build();
    }

    private void choosePath(TreeMap<ByteString, KeyValue> state, TxnRequest t, List<Boolean> path) {
        boolean ok = true;
        for (Compare c : t.getCompareList()) {
            ok &= holds(state, c);
        }
        path.add(ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestTxn()) {
                choosePath(state, op.getRequestTxn(), path);
            }
        }
    }

    private static boolean holds(TreeMap<ByteString, KeyValue> state, Compare c) {
        List<KeyValue> kvs = inRange(state, c.getKey(), c.getRangeEnd());
        if (kvs.isEmpty()) {
            if (c.getTarget() == Compare.CompareTarget.VALUE) {
                return false;
            }
            kvs = List.of(KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            int result = switch (c.getTarget()) {
                case VALUE -> Integer.signum(ORDER.compare(kv.getValue(), c.hasValue() ? c.getValue() : ByteString.EMPTY));
                case VERSION -> Long.compare(kv.getVersion(), c.hasVersion() ? c.getVersion() : 0);
                case CREATE -> Long.compare(kv.getCreateRevision(), c.hasCreateRevision() ? c.getCreateRevision() : 0);
                case MOD -> Long.compare(kv.getModRevision(), c.hasModRevision() ? c.getModRevision() : 0);
                case LEASE -> Long.compare(kv.getLease(), c.hasLease() ? c.getLease() : 0);
                default -> 0;
            };
            boolean ok = switch (c.getResult()) {
                case EQUAL -> result == 0;
                case NOT_EQUAL -> result != 0;
                case GREATER -> result > 0;
                case LESS -> result < 0;
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private interface OpVisitor {
        void visit(RequestOp op);
    }

    private static void forEachChosenOp(TxnRequest t, List<Boolean> path, int[] pos, OpVisitor v) {
        boolean ok = path.get(pos[0]++);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestTxn()) {
                forEachChosenOp(op.getRequestTxn(), path, pos, v);
            } else {
                v.visit(op);
            }
        }
    }

    private TxnResponse.Builder applyTxn(Work w, TxnRequest t, List<Boolean> path, int[] pos) {
        boolean ok = path.get(pos[0]++);
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            ResponseOp.Builder out = ResponseOp.newBuilder();
            if (op.hasRequestRange()) {
                out.setResponseRange(range(op.getRequestRange(), w.revision(), w.state));
            } else if (op.hasRequestPut()) {
                out.setResponsePut(put(w, op.getRequestPut()));
            } else if (op.hasRequestDeleteRange()) {
                out.setResponseDeleteRange(deleteRange(w, op.getRequestDeleteRange()));
            } else if (op.hasRequestTxn()) {
                out.setResponseTxn(applyTxn(w, op.getRequestTxn(), path, pos).setHeader(ResponseHeader.getDefaultInstance()));
            }
            resp.addResponses(out);
        }
        return resp;
    }
}
