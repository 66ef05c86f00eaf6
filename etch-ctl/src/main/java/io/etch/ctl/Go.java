package io.etch.ctl;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The few pieces of Go's standard library whose text etcdctl's output and errors are made of:
 * strconv's parsing and quoting, time.Duration, humanize.Bytes.
 */
final class Go {
    private Go() {
    }

    /** strconv.ParseInt(s, base, 64) with Go's error text. base 0 means "from the prefix", as pflag's ints. */
    static long parseInt(String s, int base) {
        String fn = "strconv.ParseInt";
        String t = s;
        boolean neg = false;
        if (t.startsWith("+") || t.startsWith("-")) {
            neg = t.startsWith("-");
            t = t.substring(1);
        }
        int b = base;
        if (base == 0) {
            b = 10;
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.startsWith("0x")) {
                b = 16;
                t = t.substring(2);
            } else if (lower.startsWith("0o")) {
                b = 8;
                t = t.substring(2);
            } else if (lower.startsWith("0b")) {
                b = 2;
                t = t.substring(2);
            } else if (t.length() > 1 && t.startsWith("0")) {
                b = 8;
                t = t.substring(1);
            }
            t = t.replace("_", "");
        }
        if (t.isEmpty()) {
            throw new IllegalArgumentException(fn + ": parsing " + quote(s) + ": invalid syntax");
        }
        try {
            java.math.BigInteger v = new java.math.BigInteger(t, b);
            if (neg) {
                v = v.negate();
            }
            if (v.bitLength() > 63) {
                throw new IllegalArgumentException(fn + ": parsing " + quote(s) + ": value out of range");
            }
            return v.longValue();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(fn + ": parsing " + quote(s) + ": invalid syntax");
        }
    }

    /** strconv.ParseUint(s, base, 64); the result is the unsigned value's bits. */
    static long parseUint(String s, int base) {
        String fn = "strconv.ParseUint";
        if (s.isEmpty() || s.startsWith("+") || s.startsWith("-")) {
            throw new IllegalArgumentException(fn + ": parsing " + quote(s) + ": invalid syntax");
        }
        try {
            java.math.BigInteger v = new java.math.BigInteger(s, base);
            if (v.bitLength() > 64) {
                throw new IllegalArgumentException(fn + ": parsing " + quote(s) + ": value out of range");
            }
            return v.longValue();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(fn + ": parsing " + quote(s) + ": invalid syntax");
        }
    }

    /** strconv.ParseBool. */
    static boolean parseBool(String s) {
        switch (s) {
            case "1", "t", "T", "TRUE", "true", "True":
                return true;
            case "0", "f", "F", "FALSE", "false", "False":
                return false;
            default:
                throw new IllegalArgumentException("strconv.ParseBool: parsing " + quote(s) + ": invalid syntax");
        }
    }

    /** An unsigned 64-bit value in decimal, as Go prints a uint64. */
    static String unsigned(long v) {
        return Long.toUnsignedString(v);
    }

    /** strconv.Quote of a Go string holding these bytes (%q). */
    static String quote(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length + 2).append('"');
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                appendRune(sb, c);
                i++;
                continue;
            }
            int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
            int cp = -1;
            if (n > 0 && i + n <= b.length) {
                try {
                    String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b, i, n)).toString();
                    cp = s.codePointAt(0);
                    if (Character.charCount(cp) != s.length()) {
                        cp = -1;
                    }
                } catch (CharacterCodingException e) {
                    cp = -1;
                }
            }
            if (cp < 0) {
                sb.append(String.format("\\x%02x", c));
                i++;
            } else {
                appendRune(sb, cp);
                i += n;
            }
        }
        return sb.append('"').toString();
    }

    static String quote(String s) {
        return quote(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void appendRune(StringBuilder sb, int r) {
        switch (r) {
            case '"' -> sb.append("\\\"");
            case '\\' -> sb.append("\\\\");
            case 7 -> sb.append("\\a");
            case '\b' -> sb.append("\\b");
            case '\f' -> sb.append("\\f");
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            case 11 -> sb.append("\\v");
            default -> {
                if (isPrint(r)) {
                    sb.appendCodePoint(r);
                } else if (r < ' ' || r == 0x7f) {
                    sb.append(String.format("\\x%02x", r));
                } else if (r < 0x10000) {
                    sb.append(String.format("\\u%04x", r));
                } else {
                    sb.append(String.format("\\U%08x", r));
                }
            }
        }
    }

    /** Go's strconv.IsPrint, close enough: letters, marks, numbers, punctuation, symbols and ASCII space. */
    static boolean isPrint(int r) {
        if (r == ' ') {
            return true;
        }
        if (r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xad) {
            return false;
        }
        int t = Character.getType(r);
        return switch (t) {
            case Character.UNASSIGNED, Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE,
                Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /** A Go string's bytes read as text the way fmt prints them (%s): invalid UTF-8 as U+FFFD. */
    static String text(byte[] b) {
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(b));
            return cb.toString();
        } catch (CharacterCodingException e) {
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /** time.ParseDuration, in nanoseconds, with Go's error text. */
    static long parseDuration(String s) {
        String orig = s;
        String err = "time: invalid duration " + quote(orig);
        if (s.isEmpty()) {
            throw new IllegalArgumentException(err);
        }
        boolean neg = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException(err);
        }
        double total = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String num = s.substring(start, i);
            if (num.isEmpty() || num.equals(".")) {
                throw new IllegalArgumentException(err);
            }
            int us = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(us, i);
            double mult = switch (unit) {
                case "ns" -> 1;
                case "us", "µs", "μs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                case "" -> throw new IllegalArgumentException("time: missing unit in duration " + quote(orig));
                default -> throw new IllegalArgumentException("time: unknown unit " + quote(unit) + " in duration " + quote(orig));
            };
            total += Double.parseDouble(num) * mult;
        }
        long v = Math.round(total);
        return neg ? -v : v;
    }

    /** time.Duration.String(). */
    static String duration(long d) {
        if (d == 0) {
            return "0s";
        }
        boolean neg = d < 0;
        long u = Math.abs(d);
        String s;
        if (u < 1_000_000_000L) {
            if (u < 1_000) {
                s = u + "ns";
            } else if (u < 1_000_000) {
                s = fraction(u, 3) + "µs";
            } else {
                s = fraction(u, 6) + "ms";
            }
        } else {
            StringBuilder sb = new StringBuilder();
            long secs = u / 1_000_000_000L;
            long nanos = u % 1_000_000_000L;
            long h = secs / 3600;
            long m = (secs % 3600) / 60;
            long sec = secs % 60;
            if (h > 0) {
                sb.append(h).append('h');
            }
            if (h > 0 || m > 0) {
                sb.append(m).append('m');
            }
            sb.append(fraction(sec * 1_000_000_000L + nanos, 9)).append('s');
            s = sb.toString();
        }
        return neg ? "-" + s : s;
    }

    private static String fraction(long v, int digits) {
        long pow = 1;
        for (int i = 0; i < digits; i++) {
            pow *= 10;
        }
        long whole = v / pow;
        long frac = v % pow;
        if (frac == 0) {
            return Long.toString(whole);
        }
        String f = String.format("%0" + digits + "d", frac);
        f = f.replaceAll("0+$", "");
        return whole + "." + f;
    }

    /** humanize.Bytes: SI units, e.g. "25 kB". */
    static String humanBytes(long s) {
        if (s < 10) {
            return s + " B";
        }
        String[] sizes = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double e = Math.floor(Math.log(s) / Math.log(1000));
        String suffix = sizes[(int) e];
        double val = Math.floor(s / Math.pow(1000, e) * 10 + 0.5) / 10;
        return val < 10 ? String.format("%.1f %s", val, suffix) : String.format("%.0f %s", val, suffix);
    }
}
