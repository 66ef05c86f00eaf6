package io.etch.tls;

/** A TLS setting cannot be used: a missing or malformed file, an unknown cipher suite. The message is for the user. */
public final class TlsException extends Exception {
    private static final long serialVersionUID = 1L;

    public TlsException(String message) {
        super(message);
    }
}
