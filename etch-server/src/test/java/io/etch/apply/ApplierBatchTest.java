package io.etch.apply;

import static io.etch.mvcc.MvccTesting.bs;
import static io.etch.mvcc.MvccTesting.putReq;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.mvccpb.Event;
import io.etch.api.raftpb.RaftBatch;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.lease.Lessor;
import io.etch.mvcc.MvccTesting;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch entry: the requests of several clients in one Raft entry, each with its own revision. */
class ApplierBatchTest {
    @TempDir
    Path dir;
    MvccTesting t;
    Applier applier;
    final List<Long> revisionsTold = new ArrayList<>();
    final List<List<Event>> eventsTold = new ArrayList<>();
    long index;

    @BeforeEach
    void open() {
        t = new MvccTesting(dir);
        applier = new Applier(t.backend(), t.store(), Lessor.open(t.backend(), t.store(), Long.MAX_VALUE));
        t.store().setListener((rev, events) -> {
            revisionsTold.add(rev);
            eventsTold.add(events.get(true));
        });
        index = t.store().appliedIndex();
    }

    @AfterEach
    void close() {
        t.close();
    }

    private RaftReply apply(RaftEntry... requests) {
        return applier.apply(RaftEntry.newBuilder().setBatch(RaftBatch.newBuilder().addAllEntries(List.of(requests))).build(),
                1, ++index);
    }

    private static RaftEntry put(String key, String value) {
        return RaftEntry.newBuilder().setPut(putReq(key, value)).build();
    }

    private static RaftEntry putWithPrev(String key, String value) {
        return RaftEntry.newBuilder().setPut(putReq(key, value).setPrevKv(true)).build();
    }

    @Test
    void eachRequestOfABatchGetsItsOwnRevisionInOrder() {
        RaftReply reply = apply(put("a", "1"), put("b", "2"), putWithPrev("a", "3"));

        assertThat(reply.getBatch().getRepliesList()).extracting(r -> r.getPut().getHeader().getRevision())
                .containsExactly(2L, 3L, 4L);
        assertThat(reply.getBatch().getReplies(2).getPut().getPrevKv().getValue()).isEqualTo(bs("1"));
        var a = t.store().range(RangeRequest.newBuilder().setKey(bs("a")).build()).getKvs(0);
        assertThat(a.getValue()).isEqualTo(bs("3"));
        assertThat(a.getCreateRevision()).isEqualTo(2);
        assertThat(a.getModRevision()).isEqualTo(4);
        assertThat(a.getVersion()).isEqualTo(2);
        assertThat(t.store().currentRevision()).isEqualTo(4);
        assertThat(t.store().appliedIndex()).isEqualTo(index);
    }

    @Test
    void aRefusedRequestInABatchChangesNothingAndTheOthersApply() {
        RaftEntry unknownLease = RaftEntry.newBuilder().setPut(putReq("x", "lost").setLease(77)).build();
        RaftEntry failingTxn = RaftEntry.newBuilder().setTxn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(putReq("y", "lost")))
                .addSuccess(RequestOp.newBuilder().setRequestPut(putReq("z", "lost").setIgnoreValue(true)))).build();

        RaftReply reply = apply(put("a", "1"), unknownLease, failingTxn, put("b", "2"));

        assertThat(reply.getBatch().getRepliesList()).extracting(RaftReply::getReplyCase)
                .containsExactly(RaftReply.ReplyCase.PUT, RaftReply.ReplyCase.ERROR, RaftReply.ReplyCase.ERROR,
                        RaftReply.ReplyCase.PUT);
        assertThat(reply.getBatch().getReplies(1).getError()).isEqualTo("LEASE_NOT_FOUND");
        assertThat(reply.getBatch().getReplies(2).getError()).isEqualTo("KEY_NOT_FOUND");
        assertThat(reply.getBatch().getReplies(3).getPut().getHeader().getRevision()).isEqualTo(3);
        var all = t.store().range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build());
        assertThat(all.getKvsList()).extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("a", "b");
        assertThat(t.store().currentRevision()).isEqualTo(3);
    }

    @Test
    void aBatchSeesItsOwnEarlierRequests() {
        RaftEntry casOnA = RaftEntry.newBuilder().setTxn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("a")).setTarget(Compare.CompareTarget.MOD)
                        .setResult(Compare.CompareResult.EQUAL).setModRevision(2))
                .addSuccess(RequestOp.newBuilder().setRequestPut(putReq("a", "cas")))).build();
        RaftEntry deleteA = RaftEntry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs("a")).setPrevKv(true)).build();

        RaftReply reply = apply(put("a", "1"), casOnA, deleteA);

        assertThat(reply.getBatch().getReplies(1).getTxn().getSucceeded()).isTrue();
        assertThat(reply.getBatch().getReplies(2).getDeleteRange().getPrevKvs(0).getValue()).isEqualTo(bs("cas"));
        assertThat(reply.getBatch().getReplies(2).getDeleteRange().getHeader().getRevision()).isEqualTo(4);
        assertThat(t.store().range(RangeRequest.newBuilder().setKey(bs("a")).build()).getKvsCount()).isZero();
    }

    @Test
    void watchersAreToldEachRevisionOfABatchWithPrevKvFromTheBatch() {
        apply(put("a", "1"), put("a", "2"), RaftEntry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs("a"))).build());

        assertThat(revisionsTold).containsExactly(2L, 3L, 4L);
        assertThat(eventsTold.get(0).get(0).hasPrevKv()).isFalse();
        assertThat(eventsTold.get(1).get(0).getPrevKv().getValue()).isEqualTo(bs("1"));
        assertThat(eventsTold.get(2).get(0).getType()).isEqualTo(Event.EventType.DELETE);
        assertThat(eventsTold.get(2).get(0).getKv().getModRevision()).isEqualTo(4);
        assertThat(eventsTold.get(2).get(0).getPrevKv().getValue()).isEqualTo(bs("2"));
    }

    @Test
    void aBatchSurvivesARestartWhole() {
        apply(put("a", "1"), put("b", "2"));
        t.restart();
        assertThat(t.store().currentRevision()).isEqualTo(3);
        assertThat(t.store().appliedIndex()).isEqualTo(index);
        assertThat(t.store().range(RangeRequest.newBuilder().setKey(bs("b")).build()).getKvs(0).getModRevision()).isEqualTo(3);
    }
}
