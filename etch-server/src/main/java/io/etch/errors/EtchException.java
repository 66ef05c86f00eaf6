package io.etch.errors;

/** A failure that reaches the client as one of etcd's errors. Carries no stack: it is expected input. */
public final class EtchException extends RuntimeException {
    private final EtcdError error;

    public EtchException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EtcdError error() {
        return error;
    }
}
