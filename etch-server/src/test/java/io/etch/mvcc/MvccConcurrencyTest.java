package io.etch.mvcc;

import static io.etch.mvcc.MvccTesting.putReq;
import static io.etch.mvcc.MvccTesting.range;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.mvccpb.KeyValue;
import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvccConcurrencyTest {
    private static final int KEYS = 20;
    private static final int WRITES = 400;

    @TempDir
    Path dir;

    /**
     * Every txn writes the same value to all keys, so any consistent read sees one value everywhere,
     * with mod revisions equal to the revision read at. Compactions run meanwhile.
     */
    @Test
    void readersAlwaysSeeOneWholeRevisionWhileWritesAndCompactionsRun() throws Exception {
        try (MvccTesting t = new MvccTesting(dir)) {
            MvccStore store = t.store();
            t.applyVoid(txn -> {
                for (int k = 0; k < KEYS; k++) {
                    txn.put(putReq(key(k), "0").build());
                }
            });
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService readers = Executors.newFixedThreadPool(2);
            List<Future<Integer>> results = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                results.add(readers.submit(() -> {
                    int reads = 0;
                    while (!done.get()) {
                        long current = store.currentRevision();
                        long at = ThreadLocalRandom.current().nextBoolean() ? 0
                                : Math.max(2, current - ThreadLocalRandom.current().nextInt(5));
                        RangeResponse resp;
                        try {
                            resp = store.range(range("k", "l").setRevision(at).build());
                        } catch (EtchException e) {
                            assertThat(e.error()).isEqualTo(EtcdError.COMPACTED);
                            continue;
                        }
                        long readAt = at == 0 ? resp.getHeader().getRevision() : at;
                        assertThat(resp.getKvsCount()).isEqualTo(KEYS);
                        for (KeyValue kv : resp.getKvsList()) {
                            assertThat(kv.getModRevision()).isEqualTo(readAt);
                            assertThat(kv.getValue()).isEqualTo(resp.getKvs(0).getValue());
                        }
                        reads++;
                    }
                    return reads;
                }));
            }
            for (int i = 1; i <= WRITES; i++) {
                String v = Integer.toString(i);
                t.applyVoid(txn -> {
                    for (int k = 0; k < KEYS; k++) {
                        txn.put(putReq(key(k), v).build());
                    }
                });
                if (i % 50 == 0) {
                    long rev = store.currentRevision() - 3;
                    t.apply(txn -> store.compact(rev, txn));
                }
            }
            done.set(true);
            int reads = 0;
            for (Future<Integer> f : results) {
                reads += f.get(30, TimeUnit.SECONDS);
            }
            readers.shutdown();
            assertThat(reads).isPositive();
            store.physicalCompaction().get(30, TimeUnit.SECONDS);
            assertThat(t.storedRevisions()).isEqualTo(KEYS * (store.currentRevision() - store.compactedRevision() + 1));
        }
    }

    private static String key(int k) {
        return "k" + (k < 10 ? "0" : "") + k;
    }
}
