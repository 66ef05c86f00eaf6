package io.etch.config;

/**
 * The server cannot start with the configuration it was given. The message is meant for the user, worded
 * like etcd's where etcd has one; {@link #exitCode()} is the status etcd exits with for the same mistake
 * (2 for command-line syntax, as Go's flag package does, 1 for everything else).
 */
public final class ConfigException extends Exception {
    /** Exit status for a malformed command line: what Go's flag package uses. */
    public static final int USAGE = 2;
    /** Exit status for a configuration that parses but is not acceptable. */
    public static final int INVALID = 1;

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public ConfigException(String message) {
        this(message, INVALID);
    }

    public ConfigException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
