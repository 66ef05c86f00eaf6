package io.etch.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.authpb.Permission;
import io.etch.api.authpb.Role;
import io.etch.api.authpb.User;
import io.etch.api.authpb.UserAddOptions;
import io.etch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.etch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.etch.api.etcdserverpb.AuthUserAddRequest;
import io.etch.errors.EtcdError;
import io.etch.storage.Backend;
import io.etch.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.rocksdb.WriteBatch;

/**
 * etcd's auth store: whether auth is on, its revision (one more with every change), users and
 * roles. Apply is the only writer: each change is checked first, then written into the entry's
 * write batch and published as a new immutable state, so readers on other threads always see a
 * whole state and a refused change leaves nothing behind. Errors are etcd's.
 */
public final class AuthStore {

    public static final String ROOT_USER = "root";
    public static final String ROOT_ROLE = "root";

    private static final byte[] ENABLED = bytes("enabled");
    private static final byte[] REVISION = bytes("authRevision");
    private static final String USER_PREFIX = "user/";
    private static final String ROLE_PREFIX = "role/";
    // The prefix scans end at "user0" and "role0": '0' follows '/'.
    private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

    /** One consistent picture of the store; never changed once published. */
    private record State(boolean enabled, long revision, SortedMap<String, User> users,
                         SortedMap<String, Role> roles, Map<String, KeyPermissions> permissions) {
    }

    private final Backend backend;
    private final TokenProvider tokens;
    private volatile State state;
    private final java.util.List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private AuthStore(Backend backend, TokenProvider tokens, State state) {
        this.backend = backend;
        this.tokens = tokens;
        this.state = state;
    }

    /** Loads the store from {@code backend}; a store never written starts disabled at revision 1, as etcd's. */
    public static AuthStore open(Backend backend, TokenProvider tokens) {
        State s = load(backend);
        if (s.enabled()) {
            tokens.enable();
        }
        return new AuthStore(backend, tokens, s);
    }

    /** Loads users, roles and the switch again after the backend was replaced with another member's checkpoint. */
    public void restore() {
        State s = load(backend);
        if (s.enabled() != state.enabled()) {
            if (s.enabled()) {
                tokens.enable();
            } else {
                tokens.disable();
            }
        }
        state = s;
        changeListeners.forEach(Runnable::run);
    }

    /** The auth data as stored: what a snapshot in etcd's file format carries. */
    public record Stored(boolean enabled, long revision, List<User> users, List<Role> roles) {
    }

    /** Reads the stored auth data of {@code backend} (a checkpoint, say), users and roles by name. */
    public static Stored storedIn(Backend backend) {
        State s = load(backend);
        return new Stored(s.enabled(), s.revision(), List.copyOf(s.users().values()), List.copyOf(s.roles().values()));
    }

    /** Writes auth data into an empty store, as {@link #open} then reads it (a restore from a snapshot file). */
    public static void store(Backend backend, WriteBatch batch, Stored s) {
        backend.put(batch, Backend.Column.AUTH, ENABLED, new byte[] {(byte) (s.enabled() ? 1 : 0)});
        backend.put(batch, Backend.Column.AUTH, REVISION, ByteBuffer.allocate(8).putLong(s.revision()).array());
        for (User u : s.users()) {
            backend.put(batch, Backend.Column.AUTH, bytes(USER_PREFIX + u.getName().toStringUtf8()), u.toByteArray());
        }
        for (Role r : s.roles()) {
            backend.put(batch, Backend.Column.AUTH, bytes(ROLE_PREFIX + r.getName().toStringUtf8()), r.toByteArray());
        }
    }

    private static State load(Backend backend) {
        SortedMap<String, User> users = new TreeMap<>();
        SortedMap<String, Role> roles = new TreeMap<>();
        backend.forEach(Backend.Column.AUTH, bytes(USER_PREFIX), bytes("user0"), (k, v) -> {
            User u = parse(v, User.parser());
            users.put(u.getName().toStringUtf8(), u);
            return true;
        });
        backend.forEach(Backend.Column.AUTH, bytes(ROLE_PREFIX), bytes("role0"), (k, v) -> {
            Role r = parse(v, Role.parser());
            roles.put(r.getName().toStringUtf8(), r);
            return true;
        });
        byte[] enabled = backend.get(Backend.Column.AUTH, ENABLED);
        byte[] revision = backend.get(Backend.Column.AUTH, REVISION);
        return state(enabled != null && enabled.length == 1 && enabled[0] == 1,
                revision == null ? 1 : ByteBuffer.wrap(revision).getLong(), users, roles);
    }

    private static <T> T parse(byte[] bytes, com.google.protobuf.Parser<T> parser) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("undecodable auth record", e);
        }
    }

    private static State state(boolean enabled, long revision, SortedMap<String, User> users, SortedMap<String, Role> roles) {
        Map<String, KeyPermissions> permissions = new HashMap<>();
        for (User u : users.values()) {
            List<Permission> granted = new ArrayList<>();
            for (String role : u.getRolesList()) {
                Role r = roles.get(role);
                if (r != null) {
                    granted.addAll(r.getKeyPermissionList());
                }
            }
            permissions.put(u.getName().toStringUtf8(), KeyPermissions.of(granted));
        }
        return new State(enabled, revision, Collections.unmodifiableSortedMap(users),
                Collections.unmodifiableSortedMap(roles), Map.copyOf(permissions));
    }

    public TokenProvider tokens() {
        return tokens;
    }

    public boolean enabled() {
        return state.enabled();
    }

    public long revision() {
        return state.revision();
    }

    // ------------------------------------------------------------------ changes (apply only)

    public void enable(WriteBatch batch) {
        State s = state;
        if (s.enabled()) {
            return;
        }
        User root = s.users().get(ROOT_USER);
        if (root == null) {
            throw EtcdError.ROOT_USER_NOT_EXIST.exception();
        }
        if (!root.getRolesList().contains(ROOT_ROLE)) {
            throw EtcdError.ROOT_ROLE_NOT_EXIST.exception();
        }
        backend.put(batch, Backend.Column.AUTH, ENABLED, new byte[] {1});
        // As etcd: enabling does not move the revision, so tokens taken before stay usable.
        state = new State(true, s.revision(), s.users(), s.roles(), s.permissions());
        tokens.enable();
        changeListeners.forEach(Runnable::run);
    }

    public void disable(WriteBatch batch) {
        State s = state;
        if (!s.enabled()) {
            return;
        }
        backend.put(batch, Backend.Column.AUTH, ENABLED, new byte[] {0});
        publish(batch, false, s.users(), s.roles());
        tokens.disable();
    }

    /** {@code r.hashedPassword} is the base64 bcrypt hash made by the proposing member. */
    public void userAdd(WriteBatch batch, AuthUserAddRequest r) {
        if (r.getName().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        State s = state;
        if (s.users().containsKey(r.getName())) {
            throw EtcdError.USER_ALREADY_EXIST.exception();
        }
        User.Builder u = User.newBuilder().setName(ByteString.copyFromUtf8(r.getName()))
                .setOptions(r.hasOptions() ? r.getOptions() : UserAddOptions.getDefaultInstance());
        if (!r.getOptions().getNoPassword()) {
            u.setPassword(hash(r.getHashedPassword()));
        }
        SortedMap<String, User> users = new TreeMap<>(s.users());
        users.put(r.getName(), u.build());
        writeUser(batch, u.build());
        publish(batch, s.enabled(), users, s.roles());
    }

    public void userDelete(WriteBatch batch, String name) {
        State s = state;
        if (s.enabled() && name.equals(ROOT_USER)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (!s.users().containsKey(name)) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        SortedMap<String, User> users = new TreeMap<>(s.users());
        users.remove(name);
        backend.delete(batch, Backend.Column.AUTH, bytes(USER_PREFIX + name));
        publish(batch, s.enabled(), users, s.roles());
        tokens.invalidateUser(name);
    }

    public void userChangePassword(WriteBatch batch, String name, String hashedPassword) {
        State s = state;
        User u = s.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        User.Builder changed = u.toBuilder().clearPassword();
        if (!u.getOptions().getNoPassword()) {
            changed.setPassword(hash(hashedPassword));
        }
        putUser(batch, s, changed.build());
        tokens.invalidateUser(name);
    }

    private static ByteString hash(String base64) {
        if (base64.isEmpty()) {
            throw EtcdError.NO_PASSWORD_USER.exception();
        }
        try {
            return ByteString.copyFrom(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw EtcdError.NO_PASSWORD_USER.exception();
        }
    }

    public void userGrantRole(WriteBatch batch, String name, String role) {
        State s = state;
        User u = s.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!role.equals(ROOT_ROLE) && !s.roles().containsKey(role)) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        if (u.getRolesList().contains(role)) {
            return; // etcd ignores a repeated grant and keeps its revision
        }
        List<String> roles = new ArrayList<>(u.getRolesList());
        roles.add(role);
        Collections.sort(roles);
        putUser(batch, s, u.toBuilder().clearRoles().addAllRoles(roles).build());
    }

    public void userRevokeRole(WriteBatch batch, String name, String role) {
        State s = state;
        if (s.enabled() && name.equals(ROOT_USER) && role.equals(ROOT_ROLE)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        User u = s.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!u.getRolesList().contains(role)) {
            throw EtcdError.ROLE_NOT_GRANTED.exception();
        }
        List<String> roles = new ArrayList<>(u.getRolesList());
        roles.remove(role);
        putUser(batch, s, u.toBuilder().clearRoles().addAllRoles(roles).build());
    }

    public void roleAdd(WriteBatch batch, String name) {
        if (name.isEmpty()) {
            throw EtcdError.ROLE_EMPTY.exception();
        }
        State s = state;
        if (s.roles().containsKey(name)) {
            throw EtcdError.ROLE_ALREADY_EXIST.exception();
        }
        putRole(batch, s, Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build());
    }

    public void roleDelete(WriteBatch batch, String name) {
        State s = state;
        if (s.enabled() && name.equals(ROOT_ROLE)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (!s.roles().containsKey(name)) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        SortedMap<String, Role> roles = new TreeMap<>(s.roles());
        roles.remove(name);
        backend.delete(batch, Backend.Column.AUTH, bytes(ROLE_PREFIX + name));
        // The role goes from every user that had it.
        SortedMap<String, User> users = new TreeMap<>(s.users());
        for (User u : s.users().values()) {
            if (u.getRolesList().contains(name)) {
                List<String> kept = new ArrayList<>(u.getRolesList());
                kept.remove(name);
                User changed = u.toBuilder().clearRoles().addAllRoles(kept).build();
                users.put(u.getName().toStringUtf8(), changed);
                writeUser(batch, changed);
            }
        }
        publish(batch, s.enabled(), users, roles);
    }

    public void roleGrantPermission(WriteBatch batch, AuthRoleGrantPermissionRequest r) {
        if (!r.hasPerm()) {
            throw EtcdError.PERMISSION_NOT_GIVEN.exception();
        }
        Permission p = r.getPerm();
        if (!validPermissionRange(p.getKey(), p.getRangeEnd())) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        State s = state;
        Role role = s.roles().get(r.getName());
        if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Permission> perms = new ArrayList<>();
        boolean updated = false;
        for (Permission existing : role.getKeyPermissionList()) {
            if (existing.getKey().equals(p.getKey()) && existing.getRangeEnd().equals(p.getRangeEnd())) {
                perms.add(existing.toBuilder().setPermType(p.getPermType()).build());
                updated = true;
            } else {
                perms.add(existing);
            }
        }
        if (!updated) {
            perms.add(Permission.newBuilder().setKey(p.getKey()).setRangeEnd(p.getRangeEnd()).setPermType(p.getPermType()).build());
            // etcd keeps a role's permissions sorted by key, then range end
            perms.sort((a, b) -> {
                int c = ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey());
                return c != 0 ? c : ByteString.unsignedLexicographicalComparator().compare(a.getRangeEnd(), b.getRangeEnd());
            });
        }
        putRole(batch, s, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    }

    /** etcd's rule: a key is needed; a range end, if any, must lie after it, or be "\0" (every key from it on). */
    private static boolean validPermissionRange(ByteString key, ByteString rangeEnd) {
        if (key.isEmpty()) {
            return false;
        }
        return rangeEnd.isEmpty() || rangeEnd.equals(ZERO)
                || ByteString.unsignedLexicographicalComparator().compare(key, rangeEnd) < 0;
    }

    public void roleRevokePermission(WriteBatch batch, AuthRoleRevokePermissionRequest r) {
        State s = state;
        Role role = s.roles().get(r.getRole());
        if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Permission> kept = new ArrayList<>();
        for (Permission p : role.getKeyPermissionList()) {
            if (!p.getKey().equals(r.getKey()) || !p.getRangeEnd().equals(r.getRangeEnd())) {
                kept.add(p);
            }
        }
        if (kept.size() == role.getKeyPermissionCount()) {
            throw EtcdError.PERMISSION_NOT_GRANTED.exception();
        }
        putRole(batch, s, role.toBuilder().clearKeyPermission().addAllKeyPermission(kept).build());
    }

    private void putUser(WriteBatch batch, State s, User u) {
        SortedMap<String, User> users = new TreeMap<>(s.users());
        users.put(u.getName().toStringUtf8(), u);
        writeUser(batch, u);
        publish(batch, s.enabled(), users, s.roles());
    }

    private void writeUser(WriteBatch batch, User u) {
        backend.put(batch, Backend.Column.AUTH, bytes(USER_PREFIX + u.getName().toStringUtf8()), u.toByteArray());
    }

    private void putRole(WriteBatch batch, State s, Role r) {
        SortedMap<String, Role> roles = new TreeMap<>(s.roles());
        roles.put(r.getName().toStringUtf8(), r);
        backend.put(batch, Backend.Column.AUTH, bytes(ROLE_PREFIX + r.getName().toStringUtf8()), r.toByteArray());
        publish(batch, s.enabled(), s.users(), roles);
    }

    /** Every change but enable moves the revision by one, making tokens checked before it stale. */
    private void publish(WriteBatch batch, boolean enabled, SortedMap<String, User> users, SortedMap<String, Role> roles) {
        long revision = state.revision() + 1;
        backend.put(batch, Backend.Column.AUTH, REVISION, ByteBuffer.allocate(8).putLong(revision).array());
        state = state(enabled, revision, users, roles);
        changeListeners.forEach(Runnable::run);
    }

    /** Called on the apply thread after each change; must be quick (hand work to another thread). */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    // ------------------------------------------------------------------ reads

    /** The user's stored bcrypt hash, for a password check; etcd's errors for unknown and password-less users. */
    public byte[] passwordHash(String name) {
        User u = state.users().get(name);
        if (u == null) {
            throw EtcdError.AUTH_FAILED.exception();
        }
        if (u.getOptions().getNoPassword()) {
            throw EtcdError.NO_PASSWORD_USER.exception();
        }
        return u.getPassword().toByteArray();
    }

    /** Whether {@code name} may get a token at apply: it still exists and has a password. */
    public void checkAuthenticate(String name) {
        if (!state.enabled()) {
            throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        User u = state.users().get(name);
        if (u == null || u.getOptions().getNoPassword()) {
            throw EtcdError.AUTH_FAILED.exception();
        }
    }

    public List<String> userRoles(String name) {
        User u = state.users().get(name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        return u.getRolesList();
    }

    public List<String> userNames() {
        return List.copyOf(state.users().keySet());
    }

    public List<Permission> rolePermissions(String name) {
        Role r = state.roles().get(name);
        if (r == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        return r.getKeyPermissionList();
    }

    public List<String> roleNames() {
        return List.copyOf(state.roles().keySet());
    }

    public boolean hasRole(String user, String role) {
        User u = state.users().get(user);
        return u != null && u.getRolesList().contains(role);
    }

    public boolean userExists(String user) {
        return state.users().containsKey(user);
    }

    // ------------------------------------------------------------------ checks

    /** etcd's IsRangePermitted. */
    public void checkRead(AuthInfo who, ByteString key, ByteString rangeEnd) {
        checkKeys(who, key, rangeEnd, false);
    }

    /** etcd's IsPutPermitted / IsDeleteRangePermitted. */
    public void checkWrite(AuthInfo who, ByteString key, ByteString rangeEnd) {
        checkKeys(who, key, rangeEnd, true);
    }

    private void checkKeys(AuthInfo who, ByteString key, ByteString rangeEnd, boolean write) {
        State s = state;
        if (!s.enabled() || who.isMember()) {
            return;
        }
        if (who.revision() == 0) {
            throw EtcdError.USER_EMPTY.exception();
        }
        if (who.revision() < s.revision()) {
            throw EtcdError.AUTH_OLD_REVISION.exception();
        }
        User u = s.users().get(who.user());
        if (u == null) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
        if (u.getRolesList().contains(ROOT_ROLE)) {
            return;
        }
        KeyPermissions p = s.permissions().getOrDefault(who.user(), KeyPermissions.NONE);
        if (!(write ? p.canWrite(key, rangeEnd) : p.canRead(key, rangeEnd))) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    /** etcd's IsAdminPermitted: the caller must be a user with the root role (no revision check, as etcd). */
    public void checkAdmin(AuthInfo who) {
        State s = state;
        if (!s.enabled() || who.isMember()) {
            return;
        }
        if (who.user().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        User u = s.users().get(who.user());
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!u.getRolesList().contains(ROOT_ROLE)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    public boolean isAdmin(AuthInfo who) {
        try {
            checkAdmin(who);
            return true;
        } catch (io.etch.errors.EtchException e) {
            return false;
        }
    }

    /** etcd's requireAuthInfo: with auth on, some credentials must have come with the request. */
    public void requireUser(AuthInfo who) {
        if (state.enabled() && !who.isMember() && who.user().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
    }

    /**
     * Who a request's credentials stand for: a token (INVALID_AUTH_TOKEN when it is not valid), else
     * the common name of a verified client certificate when client certificate auth is on, else no one.
     */
    public AuthInfo identify(String token, String certificateCommonName) {
        if (!state.enabled()) {
            return AuthInfo.NONE;
        }
        if (token != null) {
            AuthInfo who = tokens.info(token, state.revision());
            if (who == null) {
                throw EtcdError.INVALID_AUTH_TOKEN.exception();
            }
            return who;
        }
        if (certificateCommonName != null && !certificateCommonName.isEmpty()) {
            return new AuthInfo(certificateCommonName, state.revision());
        }
        return AuthInfo.NONE;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
