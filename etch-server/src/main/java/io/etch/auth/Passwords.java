package io.etch.auth;

import io.etch.errors.EtcdError;
import io.etch.errors.EtchException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt, as etcd stores passwords ("$2a$" hashes, {@code --bcrypt-cost}). Hashing happens on the
 * member that takes the request, so the Raft log carries the hash, never the password.
 */
public final class Passwords {

    /** bcrypt reads at most this many bytes; Go's bcrypt refuses longer passwords. */
    private static final int MAX_BYTES = 72;

    private final int cost;
    private final SecureRandom random = new SecureRandom();

    public Passwords(int cost) {
        this.cost = cost;
    }

    /** The base64 of the bcrypt hash, as etcd 3.5 puts it into AuthUserAddRequest.hashedPassword. */
    public String hash(String password) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) {
            throw new EtchException(EtcdError.PASSWORD_TOO_LONG);
        }
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        String hash = OpenBSDBCrypt.generate("2a", bytes, salt, cost);
        return Base64.getEncoder().encodeToString(hash.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether {@code password} matches a stored hash (the hash's own cost is used). */
    public static boolean matches(byte[] storedHash, String password) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) {
            return false;
        }
        try {
            return OpenBSDBCrypt.checkPassword(new String(storedHash, StandardCharsets.US_ASCII), bytes);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
