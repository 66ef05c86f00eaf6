package io.etch.storage;

/**
 * A failure of the local storage engine. Not client input: the member cannot go on safely
 * (the apply thread treats it as fatal).
 */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
