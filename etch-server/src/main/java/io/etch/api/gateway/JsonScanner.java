package io.etch.api.gateway;

/**
 * Finds where one JSON value ends in a byte buffer, with the syntax error texts of Go's
 * encoding/json: etcd's gateway reports those to clients, and tools match on them.
 */
final class JsonScanner {

    /** Thrown for input that cannot be JSON, with Go's error text. */
    static final class SyntaxError extends Exception {
        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown inside the scan when the buffer ends before the value does. */
    private static final class Incomplete extends Exception {
        Incomplete() {
            super(null, null, false, false);
        }
    }

    private static final Incomplete INCOMPLETE = new Incomplete();

    private final byte[] buf;
    private final int limit;
    private final boolean atEof;
    private int pos;

    private JsonScanner(byte[] buf, int start, int limit, boolean atEof) {
        this.buf = buf;
        this.pos = start;
        this.limit = limit;
        this.atEof = atEof;
    }

    /** Index just past the first non-blank byte at or after {@code start}, or -1 if there is none. */
    static int skipBlanks(byte[] buf, int start, int limit) {
        int i = start;
        while (i < limit && isBlank(buf[i])) {
            i++;
        }
        return i < limit ? i : -1;
    }

    /**
     * As Go's json.Decoder: the end of the value that starts at the first non-blank byte at or after
     * {@code start}, or -1 if more input is needed. With {@code atEof}, a value cut short is Go's
     * "unexpected EOF".
     */
    static int valueEnd(byte[] buf, int start, int limit, boolean atEof) throws SyntaxError {
        JsonScanner s = new JsonScanner(buf, start, limit, atEof);
        try {
            s.skipBlanks();
            s.value();
            return s.pos;
        } catch (Incomplete e) {
            if (atEof) {
                throw new SyntaxError("unexpected EOF");
            }
            return -1;
        }
    }

    /** As Go's json.Unmarshal: the whole input must be exactly one value. */
    static void checkSingleValue(byte[] buf) throws SyntaxError {
        JsonScanner s = new JsonScanner(buf, 0, buf.length, true);
        try {
            s.skipBlanks();
            s.value();
            s.skipBlanks();
            if (s.pos < s.limit) {
                throw s.invalid("after top-level value");
            }
        } catch (Incomplete e) {
            throw new SyntaxError("unexpected end of JSON input");
        }
    }

    private void value() throws SyntaxError, Incomplete {
        int c = peek();
        switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    number();
                } else {
                    throw invalid("looking for beginning of value");
                }
            }
        }
    }

    private void object() throws SyntaxError, Incomplete {
        pos++;
        skipBlanks();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            if (peek() != '"') {
                throw invalid("looking for beginning of object key string");
            }
            string();
            skipBlanks();
            if (peek() != ':') {
                throw invalid("after object key");
            }
            pos++;
            skipBlanks();
            value();
            skipBlanks();
            int c = peek();
            if (c == '}') {
                pos++;
                return;
            }
            if (c != ',') {
                throw invalid("after object key:value pair");
            }
            pos++;
            skipBlanks();
        }
    }

    private void array() throws SyntaxError, Incomplete {
        pos++;
        skipBlanks();
        if (peek() == ']') {
            pos++;
            return;
        }
        while (true) {
            value();
            skipBlanks();
            int c = peek();
            if (c == ']') {
                pos++;
                return;
            }
            if (c != ',') {
                throw invalid("after array element");
            }
            pos++;
            skipBlanks();
        }
    }

    private void string() throws SyntaxError, Incomplete {
        pos++;
        while (true) {
            int c = peek();
            if (c == '"') {
                pos++;
                return;
            }
            if (c < 0x20) {
                throw invalid("in string literal");
            }
            pos++;
            if (c == '\\') {
                int e = peek();
                if (e == 'u') {
                    pos++;
                    for (int i = 0; i < 4; i++) {
                        int h = peek();
                        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                            throw invalid("in \\u hexadecimal character escape");
                        }
                        pos++;
                    }
                } else if ("\"\\/bfnrt".indexOf(e) >= 0) {
                    pos++;
                } else {
                    throw invalid("in string escape code");
                }
            }
        }
    }

    private void literal(String word) throws SyntaxError, Incomplete {
        pos++;
        for (int i = 1; i < word.length(); i++) {
            if (peek() != word.charAt(i)) {
                throw invalid("in literal " + word + " (expecting '" + word.charAt(i) + "')");
            }
            pos++;
        }
    }

    private void number() throws SyntaxError, Incomplete {
        if (peek() == '-') {
            pos++;
            if (!isDigit(peek())) {
                throw invalid("in numeric literal");
            }
        }
        if (peek() == '0') {
            pos++;
        } else {
            digits();
        }
        if (peekOrEnd() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw invalid("after decimal point in numeric literal");
            }
            digits();
        }
        int e = peekOrEnd();
        if (e == 'e' || e == 'E') {
            pos++;
            int sign = peek();
            if (sign == '+' || sign == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw invalid("in exponent of numeric literal");
            }
            digits();
        }
    }

    private void digits() throws Incomplete {
        while (isDigit(peekOrEnd())) {
            pos++;
        }
    }

    /** The next byte; a value cut off by the end of the buffer is incomplete. */
    private int peek() throws Incomplete {
        if (pos >= limit) {
            throw INCOMPLETE;
        }
        return buf[pos] & 0xff;
    }

    /** The next byte, or -1 at the end of all input: a number may end there, but only at the real end. */
    private int peekOrEnd() throws Incomplete {
        if (pos >= limit) {
            if (atEof) {
                return -1;
            }
            throw INCOMPLETE;
        }
        return buf[pos] & 0xff;
    }

    private void skipBlanks() {
        while (pos < limit && isBlank(buf[pos])) {
            pos++;
        }
    }

    private SyntaxError invalid(String context) {
        return new SyntaxError("invalid character " + quoteChar(buf[pos] & 0xff) + " " + context);
    }

    /** Go's quoteChar: the character in single quotes, escaped as strconv.Quote would. */
    private static String quoteChar(int c) {
        if (c == '\'') {
            return "'\\''";
        }
        if (c == '"') {
            return "'\"'";
        }
        String s = switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\\' -> "\\\\";
            default -> c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : String.valueOf((char) c);
        };
        return "'" + s + "'";
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isBlank(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }
}
