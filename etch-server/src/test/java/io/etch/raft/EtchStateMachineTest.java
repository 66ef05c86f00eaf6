package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.raftpb.RaftEntry;
import io.etch.api.raftpb.RaftReply;
import io.etch.apply.EntryApplier;
import io.etch.metrics.EtchMetrics;
import io.etch.storage.StorageException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** A member that cannot trust its storage, or its copy of a committed entry, stops instead of going on. */
class EtchStateMachineTest {

    /** An applier whose storage fails on {@code apply}, recording what it was asked. */
    private static final class FailingStorage implements EntryApplier {
        final List<Long> applied = new CopyOnWriteArrayList<>();
        final boolean fail;

        FailingStorage(boolean fail) {
            this.fail = fail;
        }

        @Override
        public RaftReply apply(RaftEntry entry, long term, long index) {
            if (fail) {
                throw new StorageException("write failed", new RuntimeException("disk"));
            }
            applied.add(index);
            return RaftReply.getDefaultInstance();
        }

        @Override
        public void applyEmpty(long term, long index) {
            applied.add(index);
        }

        @Override
        public long appliedTerm() {
            return 0;
        }

        @Override
        public long appliedIndex() {
            return 0;
        }

        @Override
        public long termAt(long index) {
            return -1;
        }

        @Override
        public void flush() {
        }

        @Override
        public void checkpoint(java.nio.file.Path target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long[] appliedIn(java.nio.file.Path dir) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void restore(java.nio.file.Path dir) {
            throw new UnsupportedOperationException();
        }
    }

    private final List<String> stops = new CopyOnWriteArrayList<>();

    private EtchStateMachine machine(EntryApplier applier) {
        return new EtchStateMachine(applier, LeaderQueries.NONE, index -> { }, EtchMetrics.unscraped(),
                (reason, cause) -> stops.add(reason), null);
    }

    private static TransactionContext entry(EtchStateMachine sm, long index, ByteString data) {
        LogEntryProto e = LogEntryProto.newBuilder().setTerm(1).setIndex(index)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(data)).build();
        return TransactionContext.newBuilder().setStateMachine(sm).setServerRole(RaftPeerRole.FOLLOWER).setLogEntry(e).build();
    }

    private static ByteString put() {
        RaftEntry e = RaftEntry.newBuilder().setPut(PutRequest.newBuilder()
                .setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))).build();
        return ByteString.copyFrom(e.toByteArray());
    }

    @Test
    void aStorageFailureInApplyStopsTheMember() {
        EtchStateMachine sm = machine(new FailingStorage(true));
        CompletableFuture<Message> result = sm.applyTransaction(entry(sm, 5, put()));
        assertThat(result).isCompletedExceptionally();
        assertThat(stops).containsExactly("storage failed while applying the entry at index 5");
    }

    @Test
    void anUndecodableCommittedEntryStopsTheMemberAndIsNotAppliedAsSomethingElse() {
        FailingStorage storage = new FailingStorage(false);
        EtchStateMachine sm = machine(storage);
        CompletableFuture<Message> result = sm.applyTransaction(entry(sm, 7, ByteString.copyFrom(new byte[] {0x0a, 0x7f})));
        assertThat(result).isCompletedExceptionally();
        assertThat(stops).containsExactly("the committed entry at index 7 cannot be decoded");
        assertThat(storage.applied).isEmpty();
    }

    @Test
    void aGoodEntryIsApplied() {
        FailingStorage storage = new FailingStorage(false);
        EtchStateMachine sm = machine(storage);
        assertThat(sm.applyTransaction(entry(sm, 3, put()))).isCompleted();
        assertThat(storage.applied).containsExactly(3L);
        assertThat(stops).isEmpty();
    }
}
