package io.etch.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.LeaseCheckpoint;
import io.etch.api.etcdserverpb.LeaseCheckpointRequest;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.errors.EtchException;
import io.etch.mvcc.MvccStore;
import io.etch.mvcc.WriteTxn;
import io.etch.storage.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lessor's leader side on an explicit clock: promotion, renewal, expiry and checkpoints. */
class LessorTest {
    private static final long S = 1_000_000_000L;
    private static final long INTERVAL = 10 * S;

    private Path dir;
    private Backend backend;
    private MvccStore store;
    private Lessor lessor;
    private long index;

    @BeforeEach
    void open() throws Exception {
        dir = Files.createTempDirectory("lessor");
        backend = Backend.open(dir);
        store = MvccStore.open(backend);
        lessor = Lessor.open(backend, store, INTERVAL);
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        backend.close();
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void apply(java.util.function.Consumer<WriteTxn> change) {
        WriteTxn txn = store.begin();
        try {
            change.accept(txn);
        } catch (EtchException e) {
            txn.discardChanges();
            txn.commit(1, ++index);
            throw e;
        }
        lessor.track(txn);
        txn.commit(1, ++index);
    }

    private void grant(long id, long ttl) {
        apply(txn -> lessor.grant(txn, LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build()));
    }

    @Test
    void followerNeverExpiresAndCannotRenew() {
        grant(1, 5);
        assertThat(lessor.expired(Long.MAX_VALUE / 2, 100)).isEmpty();
        assertThatThrownBy(() -> lessor.renew(1, 0)).isInstanceOf(EtchException.class);
    }

    @Test
    void promotedLeaderExpiresAfterTtlPlusExtension() {
        grant(1, 5);
        lessor.promote(2 * S, 0);
        assertThat(lessor.expired(6 * S, 100)).isEmpty();
        assertThat(lessor.expired(7 * S, 100)).containsExactly(1L);
        // Proposed once; again only if still there after a while.
        assertThat(lessor.expired(8 * S, 100)).isEmpty();
        assertThat(lessor.expired(10 * S, 100)).containsExactly(1L);
    }

    @Test
    void leaseGrantedOnTheLeaderStartsItsClockAtTheNextLook() {
        lessor.promote(0, 0);
        grant(1, 5);
        assertThat(lessor.expired(100 * S, 100)).isEmpty(); // clock starts now
        assertThat(lessor.expired(105 * S, 100)).containsExactly(1L);
    }

    @Test
    void renewRestartsFromTheFullTtl() {
        grant(1, 5);
        lessor.promote(0, 0);
        assertThat(lessor.renew(1, 4 * S).ttl()).isEqualTo(5);
        assertThat(lessor.expired(8 * S, 100)).isEmpty();
        assertThat(lessor.expired(9 * S, 100)).containsExactly(1L);
        assertThatThrownBy(() -> lessor.renew(1, 9 * S)).isInstanceOf(EtchException.class);
    }

    @Test
    void checkpointedRemainingTtlIsWhatANewLeaderCountsFrom() {
        grant(1, 100);
        lessor.promote(0, 0);
        List<LeaseCheckpoint> due = lessor.dueCheckpoints(INTERVAL, 100);
        assertThat(due).containsExactly(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(90).build());
        apply(txn -> lessor.checkpoint(txn, LeaseCheckpointRequest.newBuilder().addAllCheckpoints(due).build()));
        lessor.demote();
        // A new leader (here: the same lessor promoted again) does not grant the full 100 s again.
        lessor.promote(S, 50 * S);
        assertThat(lessor.timeToLive(1, false, 50 * S).ttl()).isEqualTo(91);
        // Renewing clears the remainder (the server proposes a checkpoint of 0).
        assertThat(lessor.renew(1, 60 * S).clearCheckpoint()).isTrue();
    }

    @Test
    void revokeDeletesKeysAndAttachmentsSurviveReopening() {
        grant(7, 100);
        apply(txn -> txn.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setLease(7).build()));
        Lessor reopened = Lessor.open(backend, store, INTERVAL);
        assertThat(reopened.timeToLive(7, true, 0).keys()).containsExactly(ByteString.copyFromUtf8("k"));
        assertThat(reopened.timeToLive(7, true, 0).grantedTtl()).isEqualTo(100);
        long before = store.currentRevision();
        apply(txn -> lessor.revoke(txn, 7));
        assertThat(store.currentRevision()).isEqualTo(before + 1);
        assertThat(Lessor.open(backend, store, INTERVAL).exists(7)).isFalse();
    }
}
