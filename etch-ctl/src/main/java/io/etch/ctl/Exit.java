package io.etch.ctl;

/** Ends a command with an exit code, as etcdctl's cobrautl.ExitWithError ("Error: ..." on stderr). */
final class Exit extends RuntimeException {
    static final int SUCCESS = 0;
    static final int ERROR = 1;
    static final int BAD_CONNECTION = 2;
    static final int INVALID_INPUT = 3;
    static final int BAD_FEATURE = 4;
    static final int INTERRUPTED = 5;
    static final int BAD_ARGS = 128;

    final int code;
    /** Printed as "Error: MESSAGE"; null when everything has been printed already. */
    final String text;

    private Exit(int code, String text) {
        super(text, null, false, false);
        this.code = code;
        this.text = text;
    }

    static Exit error(int code, String message) {
        return new Exit(code, message);
    }

    static Exit quiet(int code) {
        return new Exit(code, null);
    }
}
