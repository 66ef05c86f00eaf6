package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

class BackendTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(Backend backend, Backend.Column c, String k, String v) {
        try (WriteBatch wb = new WriteBatch()) {
            backend.put(wb, c, b(k), b(v));
            backend.write(wb);
        }
    }

    @Test
    void batchIsVisibleAfterWrite() {
        try (Backend backend = Backend.open(dir)) {
            try (WriteBatch wb = new WriteBatch()) {
                backend.put(wb, Backend.Column.KV, b("k"), b("v"));
                backend.put(wb, Backend.Column.META, b("m"), b("1"));
                assertThat(backend.get(Backend.Column.KV, b("k"))).isNull();
                backend.write(wb);
            }
            assertThat(backend.get(Backend.Column.KV, b("k"))).isEqualTo(b("v"));
            assertThat(backend.get(Backend.Column.META, b("m"))).isEqualTo(b("1"));
        }
    }

    @Test
    void columnFamiliesAreSeparate() {
        try (Backend backend = Backend.open(dir)) {
            put(backend, Backend.Column.LEASE, "k", "lease");
            put(backend, Backend.Column.AUTH, "k", "auth");
            assertThat(backend.get(Backend.Column.LEASE, b("k"))).isEqualTo(b("lease"));
            assertThat(backend.get(Backend.Column.AUTH, b("k"))).isEqualTo(b("auth"));
            assertThat(backend.get(Backend.Column.MEMBERS, b("k"))).isNull();
        }
    }

    @Test
    void dataSurvivesCloseAndReopenWithoutWal() {
        try (Backend backend = Backend.open(dir)) {
            put(backend, Backend.Column.KV, "k", "v");
            put(backend, Backend.Column.META, "applied", "7");
        }
        try (Backend backend = Backend.open(dir)) {
            assertThat(backend.get(Backend.Column.KV, b("k"))).isEqualTo(b("v"));
            assertThat(backend.get(Backend.Column.META, b("applied"))).isEqualTo(b("7"));
        }
    }

    @Test
    void flushedDataSurvivesAndSizeIsReported() {
        try (Backend backend = Backend.open(dir)) {
            for (int i = 0; i < 1000; i++) {
                put(backend, Backend.Column.KV, "key" + i, "value-" + i);
            }
            backend.flush();
            assertThat(backend.dbSize()).isPositive();
            assertThat(backend.dbSizeInUse()).isPositive().isLessThanOrEqualTo(backend.dbSize());
        }
    }

    @Test
    void forEachVisitsHalfOpenRangeInOrder() {
        try (Backend backend = Backend.open(dir)) {
            for (String k : List.of("d", "a", "c", "b", "e")) {
                put(backend, Backend.Column.KV, k, k.toUpperCase());
            }
            List<String> seen = new ArrayList<>();
            backend.forEach(Backend.Column.KV, b("b"), b("e"), (k, v) -> {
                seen.add(new String(k, StandardCharsets.UTF_8));
                return true;
            });
            assertThat(seen).containsExactly("b", "c", "d");
        }
    }

    @Test
    void forEachStopsWhenVisitorSaysSo() {
        try (Backend backend = Backend.open(dir)) {
            for (String k : List.of("a", "b", "c")) {
                put(backend, Backend.Column.KV, k, k);
            }
            List<String> seen = new ArrayList<>();
            backend.forEach(Backend.Column.KV, null, null, (k, v) -> {
                seen.add(new String(k, StandardCharsets.UTF_8));
                return seen.size() < 2;
            });
            assertThat(seen).containsExactly("a", "b");
        }
    }

    @Test
    void checkpointIsAnOpenableCopy() {
        Path copy = dir.resolve("copy");
        try (Backend backend = Backend.open(dir.resolve("db"))) {
            put(backend, Backend.Column.KV, "k", "v");
            backend.checkpoint(copy);
            put(backend, Backend.Column.KV, "k", "after");
        }
        try (Backend backend = Backend.open(copy)) {
            assertThat(backend.get(Backend.Column.KV, b("k"))).isEqualTo(b("v"));
        }
    }

    @Test
    void closedBackendRefusesUse() {
        Backend backend = Backend.open(dir);
        backend.close();
        backend.close();
        assertThatThrownBy(() -> backend.get(Backend.Column.KV, b("k"))).isInstanceOf(IllegalStateException.class);
    }
}
