package io.etch.bench;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The few pieces of Go's formatting that etcd's benchmark output is made of, so that the same
 * numbers print the same way: {@code %4.4f} (correctly rounded, as Go rounds the exact binary
 * value), {@code %g} for {@code --precise}, and {@code time.Duration}'s {@code String} for the
 * {@code --sample} time series. Also parses Go duration flags such as {@code 5s} or {@code 1m30s}.
 */
final class GoFormat {
    private GoFormat() {
    }

    /** Go's {@code %.Nf}: the exact value of {@code v} rounded half-even to {@code decimals} places. */
    static String fixed(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        String s = new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        // Go keeps the sign of a negative value that rounds to zero ("-0.0000").
        if (v < 0 && !s.startsWith("-")) {
            s = "-" + s;
        }
        return s;
    }

    /**
     * Go's {@code %g} without a precision: the shortest decimal that reads back as {@code v},
     * in exponent form ({@code 1.5e-05}, {@code 1.234567e+06}) when the decimal exponent is below
     * -4 or at least 6, plain otherwise ({@code 0.0123}, {@code 12345.5}, {@code 100}).
     */
    static String g(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0" : "0";
        }
        String sign = v < 0 ? "-" : "";
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int n = digits.length();
        // v = 0.<digits> x 10^dp
        int dp = n - d.scale();
        int exp = dp - 1;
        StringBuilder s = new StringBuilder(sign);
        if (exp < -4 || exp >= 6) {
            s.append(digits.charAt(0));
            if (n > 1) {
                s.append('.').append(digits, 1, n);
            }
            s.append('e').append(exp < 0 ? '-' : '+');
            int ae = Math.abs(exp);
            if (ae < 10) {
                s.append('0');
            }
            s.append(ae);
        } else if (dp <= 0) {
            s.append("0.").append("0".repeat(-dp)).append(digits);
        } else if (dp >= n) {
            s.append(digits).append("0".repeat(dp - n));
        } else {
            s.append(digits, 0, dp).append('.').append(digits, dp, n);
        }
        return s.toString();
    }

    /** Go's {@code time.Duration.String}: {@code 0s}, {@code 850ns}, {@code 1.5µs}, {@code 12.25ms}, {@code 1m2.5s}. */
    static String duration(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        boolean neg = nanos < 0;
        // Long.MIN_VALUE has no positive counterpart; work in unsigned arithmetic as Go does.
        long u = neg ? -nanos : nanos;
        StringBuilder s = new StringBuilder();
        if (Long.compareUnsigned(u, 1_000_000_000L) < 0) {
            if (u < 1_000L) {
                s.append(u).append("ns");
            } else if (u < 1_000_000L) {
                s.append(frac(u, 3)).append("µs");
            } else {
                s.append(frac(u, 6)).append("ms");
            }
        } else {
            String secs = frac(Long.remainderUnsigned(u, 60_000_000_000L), 9);
            long mins = Long.divideUnsigned(u, 60_000_000_000L);
            if (mins == 0) {
                s.append(secs).append('s');
            } else {
                long hours = mins / 60;
                mins %= 60;
                if (hours > 0) {
                    s.append(hours).append('h');
                }
                s.append(mins).append('m').append(secs).append('s');
            }
        }
        return neg ? "-" + s : s.toString();
    }

    /** {@code v / 10^prec} with the fraction's trailing zeros (and a bare point) left off. */
    private static String frac(long v, int prec) {
        long pow = 1;
        for (int i = 0; i < prec; i++) {
            pow *= 10;
        }
        long whole = Long.divideUnsigned(v, pow);
        long rest = Long.remainderUnsigned(v, pow);
        if (rest == 0) {
            return Long.toUnsignedString(whole);
        }
        String f = String.format(java.util.Locale.ROOT, "%0" + prec + "d", rest).replaceAll("0+$", "");
        return Long.toUnsignedString(whole) + "." + f;
    }

    /**
     * Parses a Go duration ({@code 300ms}, {@code 1.5s}, {@code 1m30s}, {@code 2h}; units ns, us,
     * µs, ms, s, m, h; a bare {@code 0} is allowed) into nanoseconds.
     */
    static long parseDuration(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\"");
        }
        boolean neg = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return 0;
        }
        double total = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\"");
            }
            double number;
            try {
                number = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\"");
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            double unit = switch (s.substring(unitStart, i)) {
                case "ns" -> 1;
                case "us", "µs", "μs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                case "" -> throw new IllegalArgumentException("missing unit in duration \"" + text + "\"");
                default -> throw new IllegalArgumentException("unknown unit \"" + s.substring(unitStart, i)
                    + "\" in duration \"" + text + "\"");
            };
            total += number * unit;
        }
        long nanos = Math.round(total);
        return neg ? -nanos : nanos;
    }
}
