package io.etch.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.mvccpb.KeyValue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads a snapshot saved by real etcd 3.5 (see {@code snapshot/etcd-3.5.txt} for how it was made)
 * and gets what {@code etcdutl snapshot status} printed for it; then damaged copies of it, each of
 * which must be refused with a message that says what is wrong.
 */
class BoltReaderTest {
    /** What {@code etcdutl snapshot status -w json} printed for the fixture. */
    private static final long ETCDUTL_HASH = 1926452623L;
    private static final long ETCDUTL_REVISION = 2017;
    private static final long ETCDUTL_TOTAL_KEY = 2037;
    private static final long ETCDUTL_TOTAL_SIZE = 737280;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @Test
    void readsRealEtcdsSnapshotAsEtcdutlDoes() throws Exception {
        try (BoltReader db = BoltReader.open(fixture())) {
            assertThat(db.buckets()).containsExactly("alarm", "auth", "authRoles", "authUsers", "cluster", "key", "lease",
                    "members", "members_removed", "meta");
            assertThat(db.pageSize()).isEqualTo(PAGE);
            assertThat(db.size()).isEqualTo(ETCDUTL_TOTAL_SIZE);
            assertThat(status(db)).containsExactly(ETCDUTL_HASH, ETCDUTL_REVISION, ETCDUTL_TOTAL_KEY);
        }
    }

    @Test
    void readsKeysInOrderAndBigValuesFromOverflowPagesExactly() throws Exception {
        Map<String, KeyValue> latest = new HashMap<>();
        List<byte[]> revisions = new ArrayList<>();
        int[] tombstones = {0};
        try (BoltReader db = BoltReader.open(fixture())) {
            assertThat(db.forEach("key", (k, v) -> {
                revisions.add(k);
                if (k.length == 18 && k[17] == 't') {
                    tombstones[0]++;
                } else {
                    KeyValue kv = KeyValue.parseFrom(v);
                    latest.put(kv.getKey().toStringUtf8(), kv);
                }
                return true;
            })).isTrue();
        }
        assertThat(revisions).hasSize(2025);
        for (int i = 1; i < revisions.size(); i++) {
            assertThat(Arrays.compareUnsigned(revisions.get(i - 1), revisions.get(i))).as("key %d", i).isNegative();
        }
        assertThat(tombstones[0]).as("10 deletes and a prefix delete of 10 keys, after the compaction").isEqualTo(20);
        assertThat(latest.get("/big/1").getValue().toStringUtf8()).isEqualTo(big(1200));
        assertThat(latest.get("/big/2").getValue().toStringUtf8()).isEqualTo(big(2000));
        assertThat(latest.get("/big/3").getValue().toStringUtf8()).isEqualTo(big(1500));
        assertThat(latest.get("/data/k1499").getValue().toStringUtf8()).startsWith("value-1499-000").hasSize(200);
        assertThat(latest.get("/leased/key").getLease()).isEqualTo(0x2040a237fb6054e4L);
    }

    @Test
    void readsTheInlineBucketsEtcdWrote() throws Exception {
        try (BoltReader db = BoltReader.open(fixture())) {
            assertThat(keys(db, "authUsers")).containsExactly("root", "u1");
            assertThat(keys(db, "authRoles")).containsExactly("r1");
            assertThat(keys(db, "alarm")).isEmpty();
            List<byte[]> leases = new ArrayList<>();
            db.forEach("lease", (k, v) -> leases.add(k));
            assertThat(leases).hasSize(1);
            assertThat(ByteBuffer.wrap(leases.get(0)).getLong()).isEqualTo(0x2040a237fb6054e4L);
            Map<String, byte[]> meta = new HashMap<>();
            db.forEach("meta", (k, v) -> meta.put(new String(k, StandardCharsets.UTF_8), v) == null);
            assertThat(ByteBuffer.wrap(meta.get("finishedCompactRev")).getLong()).isEqualTo(1000);
            assertThat(meta).containsKeys("consistent_index", "term", "confState", "scheduledCompactRev");
        }
    }

    @Test
    void stopsWhenTheVisitorSaysSoAndVisitsNothingOfAnUnknownBucket() throws Exception {
        try (BoltReader db = BoltReader.open(fixture())) {
            int[] seen = {0};
            assertThat(db.forEach("key", (k, v) -> ++seen[0] < 5)).isFalse();
            assertThat(seen[0]).isEqualTo(5);
            assertThat(db.forEach("nope", (k, v) -> {
                throw new AssertionError("visited");
            })).isFalse();
        }
    }

    @Test
    void refusesTruncatedFiles() throws Exception {
        byte[] db = Files.readAllBytes(fixture());
        assertThatThrownBy(() -> BoltReader.open(write("three-pages.db", Arrays.copyOf(db, 3 * PAGE))))
                .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining("truncated")
                .hasMessageContaining("180 pages");
        assertThatThrownBy(() -> BoltReader.open(write("mid-page.db", Arrays.copyOf(db, 100 * PAGE + 123))))
                .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> BoltReader.open(write("mid-meta.db", Arrays.copyOf(db, 50))))
                .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining("truncated")
                .hasMessageContaining("meta page 0");
        // Without etcd's 32-byte hash the pages are all there.
        try (BoltReader r = BoltReader.open(write("no-hash.db", Arrays.copyOf(db, (int) ETCDUTL_TOTAL_SIZE)))) {
            assertThat(status(r)).containsExactly(ETCDUTL_HASH, ETCDUTL_REVISION, ETCDUTL_TOTAL_KEY);
        }
    }

    @Test
    void fallsBackToMetaPageOneWhenPageZeroIsDamaged() throws Exception {
        byte[] db = Files.readAllBytes(fixture());
        byte[] txid = db.clone();
        txid[16 + BoltFormat.META_TXID] ^= 0x40;
        byte[] magic = db.clone();
        magic[16] ^= 0x01;
        for (byte[] damaged : List.of(txid, magic)) {
            // etcd writes the same tree under both metas (page 1 with the transaction id before).
            try (BoltReader r = BoltReader.open(write("meta0.db", damaged))) {
                assertThat(r.pageSize()).isEqualTo(PAGE);
                assertThat(status(r)).containsExactly(ETCDUTL_HASH, ETCDUTL_REVISION, ETCDUTL_TOTAL_KEY);
            }
        }
        byte[] both = txid.clone();
        both[PAGE + 16 + BoltFormat.META_ROOT] ^= 0x01;
        assertThatThrownBy(() -> BoltReader.open(write("both.db", both)))
                .isInstanceOf(BoltReader.BoltFormatException.class)
                .hasMessage("no valid meta page: meta page 0: bad meta checksum; meta page 1: bad meta checksum");
    }

    @Test
    void refusesWhatIsNotABboltFile() throws Exception {
        byte[] garbage = new byte[64 * 1024];
        new Random(42).nextBytes(garbage);
        assertThatThrownBy(() -> BoltReader.open(write("garbage.db", garbage)))
                .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining("not a bbolt file");
        assertThatThrownBy(() -> BoltReader.open(write("empty.db", new byte[0])))
                .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining("not a bbolt file")
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> BoltReader.open(write("text.db", "hello".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining("not a bbolt file");
    }

    @Test
    void refusesAMetaThatCountsMorePagesThanTheFileHas() throws Exception {
        byte[] db = Files.readAllBytes(fixture());
        for (int meta = 0; meta < 2; meta++) {
            le(db).putLong(meta * PAGE + 16 + BoltFormat.META_PGID, 1000);
            le(db).putLong(meta * PAGE + 16 + BoltFormat.META_CHECKSUM,
                    BoltFormat.fnv1a64(db, meta * PAGE + 16, BoltFormat.META_CHECKSUM));
        }
        assertThatThrownBy(() -> BoltReader.open(write("pgid.db", db)))
                .isInstanceOf(BoltReader.BoltFormatException.class)
                .hasMessageContaining("truncated: meta page 0 counts 1000 pages of 4096 bytes");
    }

    @Test
    void refusesALeafElementOutsideItsPage() throws Exception {
        byte[] db = Files.readAllBytes(fixture());
        long root = le(db).getLong(16 + BoltFormat.META_ROOT);
        byte[] rootLeaf = db.clone();
        le(rootLeaf).putInt((int) (root * PAGE + 16 + 4), 0x7fff_fff0); // the position of element 0's key
        assertThatThrownBy(() -> BoltReader.open(write("root-leaf.db", rootLeaf)))
                .isInstanceOf(BoltReader.BoltFormatException.class)
                .hasMessageContaining("page " + root + " in the root bucket: element 0 has its key and value at")
                .hasMessageContaining("outside the page");

        long leaf = firstLeaf(db, bucketRoot(db, "key"));
        byte[] keyLeaf = db.clone();
        le(keyLeaf).putInt((int) (leaf * PAGE + 16 + 3 * 16 + 12), 0xffff_fff0); // element 3's value size
        try (BoltReader r = BoltReader.open(write("key-leaf.db", keyLeaf))) {
            assertThat(r.forEach("meta", (k, v) -> true)).isTrue();
            int[] seen = {0};
            assertThatThrownBy(() -> r.forEach("key", (k, v) -> ++seen[0] > 0))
                    .isInstanceOf(BoltReader.BoltFormatException.class)
                    .hasMessageContaining("page " + leaf + " in bucket key: element 3").hasMessageContaining("outside");
            assertThat(seen[0]).isEqualTo(3);
        }
    }

    @Test
    void refusesBrokenTrees() throws Exception {
        byte[] db = Files.readAllBytes(fixture());
        long keyRoot = bucketRoot(db, "key");
        int child0 = (int) (keyRoot * PAGE + 16 + 8); // the child page id of the root branch's element 0

        byte[] freelist = db.clone();
        le(freelist).putShort((int) (keyRoot * PAGE + 8), (short) BoltFormat.FREELIST_PAGE);
        assertKeyBucketRefused(freelist, "page " + keyRoot + " in bucket key: a freelist page where a branch or leaf belongs");

        byte[] cycle = db.clone();
        le(cycle).putLong(child0, keyRoot);
        assertKeyBucketRefused(cycle, "deeper than 64 levels");

        byte[] beyond = db.clone();
        le(beyond).putLong(child0, 180); // the first page past the meta's count, though the file goes on a bit
        assertKeyBucketRefused(beyond, "page 180 out of bounds");

        byte[] meta = db.clone();
        le(meta).putLong(child0, 1);
        assertKeyBucketRefused(meta, "page 1 out of bounds");

        byte[] overflow = db.clone();
        le(overflow).putInt((int) (keyRoot * PAGE + 12), 1_000_000);
        assertKeyBucketRefused(overflow, "page " + keyRoot + ": its 1000000 overflow pages run past the last page");

        byte[] wrongId = db.clone();
        long first = le(db).getLong(child0);
        le(wrongId).putLong((int) (first * PAGE), 7);
        assertKeyBucketRefused(wrongId, "page " + first + " says it is page 7");

        byte[] count = db.clone();
        le(count).putShort((int) (keyRoot * PAGE + 10), (short) 0xffff);
        assertKeyBucketRefused(count, "page " + keyRoot + " in bucket key: 65535 elements do not fit");

        byte[] order = db.clone();
        le(order).putLong(child0 + BoltFormat.BRANCH_ELEMENT, first);
        assertKeyBucketRefused(order, "does not come after");
    }

    private void assertKeyBucketRefused(byte[] damaged, String message) throws Exception {
        try (BoltReader r = BoltReader.open(write("damaged.db", damaged))) {
            assertThatThrownBy(() -> r.forEach("key", (k, v) -> true))
                    .isInstanceOf(BoltReader.BoltFormatException.class).hasMessageContaining(message);
        }
    }

    /** etcdutl's snapshot status: hash, revision, total keys. */
    private static List<Long> status(BoltReader db) throws Exception {
        CRC32C hash = new CRC32C();
        long[] revision = {0};
        long[] total = {0};
        for (String bucket : db.buckets()) {
            hash.update(bucket.getBytes(StandardCharsets.UTF_8));
            boolean isKey = bucket.equals("key");
            db.forEach(bucket, (k, v) -> {
                hash.update(k);
                hash.update(v);
                if (isKey) {
                    revision[0] = ByteBuffer.wrap(k).getLong();
                }
                total[0]++;
                return true;
            });
        }
        return List.of(hash.getValue(), revision[0], total[0]);
    }

    private static List<String> keys(BoltReader db, String bucket) throws Exception {
        List<String> keys = new ArrayList<>();
        db.forEach(bucket, (k, v) -> keys.add(new String(k, StandardCharsets.UTF_8)));
        return keys;
    }

    /** The value etcdctl put for /big/N: "big-00001;big-00002;..." up to {@code n}. */
    private static String big(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            b.append(String.format("big-%05d;", i));
        }
        return b.toString();
    }

    /** The root page of a top-level bucket, from the root bucket's leaf. */
    private static long bucketRoot(byte[] db, String name) {
        ByteBuffer b = le(db);
        int page = (int) b.getLong(16 + BoltFormat.META_ROOT) * PAGE;
        for (int i = 0; i < (b.getShort(page + 10) & 0xffff); i++) {
            int at = page + 16 + i * 16;
            int key = at + b.getInt(at + 4);
            byte[] k = Arrays.copyOfRange(db, key, key + b.getInt(at + 8));
            if (new String(k, StandardCharsets.UTF_8).equals(name)) {
                return b.getLong(key + k.length);
            }
        }
        throw new AssertionError("no bucket " + name);
    }

    /** Down the first branch elements to a leaf. */
    private static long firstLeaf(byte[] db, long page) {
        ByteBuffer b = le(db);
        while (b.getShort((int) page * PAGE + 8) == BoltFormat.BRANCH_PAGE) {
            page = b.getLong((int) page * PAGE + 16 + 8);
        }
        return page;
    }

    private static ByteBuffer le(byte[] db) {
        return ByteBuffer.wrap(db).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Path write(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }

    private static Path fixture() throws Exception {
        return Path.of(BoltReaderTest.class.getResource("/snapshot/etcd-3.5.db").toURI());
    }
}
