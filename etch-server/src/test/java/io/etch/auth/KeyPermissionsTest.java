package io.etch.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.authpb.Permission;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyPermissionsTest {

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static final ByteString NONE = ByteString.EMPTY;
    private static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});

    private static Permission perm(Permission.Type type, String key, ByteString end) {
        return Permission.newBuilder().setPermType(type).setKey(b(key)).setRangeEnd(end).build();
    }

    @Test
    void aSingleKeyPermissionCoversThatKeyOnly() {
        KeyPermissions p = KeyPermissions.of(List.of(perm(Permission.Type.READWRITE, "a", NONE)));
        assertThat(p.canRead(b("a"), NONE)).isTrue();
        assertThat(p.canWrite(b("a"), NONE)).isTrue();
        assertThat(p.canRead(b("ab"), NONE)).isFalse();
        // a range starting at the key but reaching past it is not covered
        assertThat(p.canRead(b("a"), b("b"))).isFalse();
    }

    @Test
    void aRangeMustBeCoveredWhole() {
        KeyPermissions p = KeyPermissions.of(List.of(perm(Permission.Type.READ, "key", b("key4"))));
        assertThat(p.canRead(b("key"), b("key3"))).isTrue();
        assertThat(p.canRead(b("key1"), b("key4"))).isTrue();
        assertThat(p.canRead(b("key"), b("key6"))).isFalse();
        assertThat(p.canRead(b("key4"), NONE)).isFalse();
        // etcd 3.7.1's fix: one allowed key does not open the range after it
        assertThat(p.canRead(b("key3"), FROM_KEY)).isFalse();
        assertThat(p.canWrite(b("key1"), NONE)).isFalse();
    }

    @Test
    void adjacentAndOverlappingGrantsMergeAcrossRoles() {
        KeyPermissions p = KeyPermissions.of(List.of(
                perm(Permission.Type.READ, "a", b("c")),
                perm(Permission.Type.READWRITE, "c", b("e")),
                perm(Permission.Type.WRITE, "b", b("d"))));
        assertThat(p.canRead(b("a"), b("e"))).isTrue();
        assertThat(p.canRead(b("a"), b("f"))).isFalse();
        assertThat(p.canWrite(b("b"), b("e"))).isTrue();
        assertThat(p.canWrite(b("a"), b("c"))).isFalse();
    }

    @Test
    void fromKeyGrantsEverythingAfter() {
        KeyPermissions p = KeyPermissions.of(List.of(perm(Permission.Type.READWRITE, "m", FROM_KEY)));
        assertThat(p.canRead(b("zzz"), NONE)).isTrue();
        assertThat(p.canRead(b("m"), FROM_KEY)).isTrue();
        assertThat(p.canRead(b("n"), b("\u00ff"))).isTrue();
        assertThat(p.canRead(b("a"), NONE)).isFalse();
        assertThat(p.canRead(b(""), FROM_KEY)).isFalse();
    }

    @Test
    void noRolesNoKeys() {
        assertThat(KeyPermissions.NONE.canRead(b("a"), NONE)).isFalse();
        assertThat(KeyPermissions.of(List.of()).canWrite(b(""), FROM_KEY)).isFalse();
    }
}
