package io.etch.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Parses flag values the way etcd's Go binary does (strconv and time.ParseDuration), so that a value etcd
 * accepts is accepted here and one it rejects is rejected with the same short reason.
 */
final class GoValues {
    /** Go's flag package reports every malformed number, bool or duration with these two words. */
    static final String PARSE_ERROR = "parse error";
    static final String RANGE_ERROR = "value out of range";

    private static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);

    private static final Map<String, Long> UNITS = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "\u00b5s", 1_000L, // micro sign
            "\u03bcs", 1_000L, // Greek mu
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);

    private GoValues() {}

    /** strconv.ParseBool. */
    static boolean parseBool(String s) {
        return switch (s) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new IllegalArgumentException(PARSE_ERROR);
        };
    }

    /** strconv.ParseUint(s, 0, bits): the result is an unsigned value held in a long. */
    static long parseUint(String s, int bits) {
        BigInteger v = parseMagnitude(s, true);
        if (v.bitLength() > bits) {
            throw new IllegalArgumentException(RANGE_ERROR);
        }
        return v.longValue();
    }

    /** strconv.ParseInt(s, 0, bits). */
    static long parseInt(String s, int bits) {
        boolean negative = false;
        String digits = s;
        if (!digits.isEmpty() && (digits.charAt(0) == '+' || digits.charAt(0) == '-')) {
            negative = digits.charAt(0) == '-';
            digits = digits.substring(1);
        }
        BigInteger v = parseMagnitude(digits, true);
        if (negative) {
            v = v.negate();
        }
        BigInteger limit = BigInteger.ONE.shiftLeft(bits - 1);
        if (v.compareTo(limit) >= 0 || v.compareTo(limit.negate()) < 0) {
            throw new IllegalArgumentException(RANGE_ERROR);
        }
        return v.longValue();
    }

    /** strconv.ParseUint(s, 10, bits), as etcd's uint32 flag uses: base 10 only, strconv's own wording. */
    static long parseDecimalUint(String s, int bits) {
        BigInteger v;
        try {
            v = parseMagnitude(s, false);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("strconv.ParseUint: parsing " + quote(s) + ": invalid syntax");
        }
        if (v.bitLength() > bits) {
            throw new IllegalArgumentException("strconv.ParseUint: parsing " + quote(s) + ": value out of range");
        }
        return v.longValue();
    }

    /** Digits with an optional Go base prefix (0x, 0o, 0b, or a leading 0 for octal) when prefixes are allowed. */
    private static BigInteger parseMagnitude(String s, boolean basePrefix) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException(PARSE_ERROR);
        }
        int radix = 10;
        String digits = s;
        boolean prefixed = false;
        if (basePrefix && s.length() > 1 && s.charAt(0) == '0') {
            char p = Character.toLowerCase(s.charAt(1));
            prefixed = true;
            if (p == 'x') {
                radix = 16;
                digits = s.substring(2);
            } else if (p == 'o') {
                radix = 8;
                digits = s.substring(2);
            } else if (p == 'b') {
                radix = 2;
                digits = s.substring(2);
            } else {
                radix = 8;
                digits = s.substring(1);
            }
        }
        if (digits.indexOf('_') >= 0) {
            // Go only allows underscores between digits of a prefixed literal.
            if (!prefixed || digits.endsWith("_") || digits.contains("__")) {
                throw new IllegalArgumentException(PARSE_ERROR);
            }
            digits = digits.replace("_", "");
        }
        if (digits.isEmpty()) {
            throw new IllegalArgumentException(PARSE_ERROR);
        }
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), radix) < 0) {
                throw new IllegalArgumentException(PARSE_ERROR);
            }
        }
        return new BigInteger(digits, radix);
    }

    /** time.ParseDuration, with Go's error wording. */
    static Duration parseDuration(String orig) {
        String s = orig;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalidDuration(orig);
        }
        BigInteger total = BigInteger.ZERO;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '.' && !isDigit(c)) {
                throw invalidDuration(orig);
            }
            int start = i;
            while (i < s.length() && isDigit(s.charAt(i))) {
                i++;
            }
            boolean pre = i > start;
            BigInteger whole = pre ? new BigInteger(s.substring(start, i)) : BigInteger.ZERO;
            if (whole.compareTo(TWO_63) > 0) {
                throw invalidDuration(orig);
            }
            String fraction = "";
            boolean post = false;
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                int fs = i;
                while (i < s.length() && isDigit(s.charAt(i))) {
                    i++;
                }
                fraction = s.substring(fs, i);
                post = i > fs;
            }
            if (!pre && !post) {
                throw invalidDuration(orig);
            }
            int us = i;
            while (i < s.length() && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
                i++;
            }
            if (i == us) {
                throw new IllegalArgumentException("time: missing unit in duration " + quote(orig));
            }
            String unitName = s.substring(us, i);
            Long unit = UNITS.get(unitName);
            if (unit == null) {
                throw new IllegalArgumentException(
                        "time: unknown unit " + quote(unitName) + " in duration " + quote(orig));
            }
            BigInteger v = whole.multiply(BigInteger.valueOf(unit));
            if (!fraction.isEmpty()) {
                // Go adds the fraction in float64, like this, so rounding matches.
                double f = Double.parseDouble("0." + fraction);
                v = v.add(BigInteger.valueOf((long) (f * unit)));
            }
            total = total.add(v);
            if (total.compareTo(TWO_63) > 0) {
                throw invalidDuration(orig);
            }
        }
        if (!negative && total.compareTo(TWO_63) >= 0) {
            throw invalidDuration(orig);
        }
        long nanos = negative ? total.negate().longValue() : total.longValue();
        return Duration.ofNanos(nanos);
    }

    /** time.Duration.String(): "10m0s", "100ms", "1h30m0s", "0s". */
    static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        boolean negative = nanos < 0;
        BigInteger u = BigInteger.valueOf(nanos).abs();
        StringBuilder out = new StringBuilder();
        if (u.compareTo(BigInteger.valueOf(1_000_000_000L)) < 0) {
            long v = u.longValue();
            if (v < 1_000) {
                out.append(v).append("ns");
            } else if (v < 1_000_000) {
                out.append(fraction(v, 3)).append("\u00b5s");
            } else {
                out.append(fraction(v, 6)).append("ms");
            }
        } else {
            BigInteger[] secs = u.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
            String frac = fractionDigits(secs[1].longValue(), 9);
            long totalSeconds = secs[0].longValue();
            long seconds = totalSeconds % 60;
            long totalMinutes = totalSeconds / 60;
            long minutes = totalMinutes % 60;
            long hours = totalMinutes / 60;
            if (hours > 0) {
                out.append(hours).append('h');
            }
            if (hours > 0 || minutes > 0) {
                out.append(minutes).append('m');
            }
            out.append(seconds).append(frac).append('s');
        }
        return negative ? "-" + out : out.toString();
    }

    private static String fraction(long v, int precision) {
        long scale = (long) Math.pow(10, precision);
        return (v / scale) + fractionDigits(v % scale, precision);
    }

    private static String fractionDigits(long remainder, int precision) {
        if (remainder == 0) {
            return "";
        }
        String digits = String.format(Locale.ROOT, "%0" + precision + "d", remainder);
        int end = digits.length();
        while (digits.charAt(end - 1) == '0') {
            end--;
        }
        return "." + digits.substring(0, end);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static IllegalArgumentException invalidDuration(String orig) {
        return new IllegalArgumentException("time: invalid duration " + quote(orig));
    }

    /** Go's %q for the plain strings that show up in flag values. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
