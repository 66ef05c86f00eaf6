package io.etch.ctl;

import java.util.List;
import java.util.Locale;

/** The tables etcdctl 3.5 draws with olekukonko/tablewriter v1: box lines, centred header, cells right-aligned. */
final class Table {
    private Table() {
    }

    static String render(List<String> header, List<List<String>> rows) {
        int n = header.size();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = width(header.get(i).toUpperCase(Locale.ROOT));
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], width(r.get(i)));
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, w, '┌', '┬', '┐');
        b.append('│');
        for (int i = 0; i < n; i++) {
            String h = header.get(i).toUpperCase(Locale.ROOT);
            int pad = w[i] - width(h);
            int left = pad / 2;
            b.append(' ').append(" ".repeat(left)).append(h).append(" ".repeat(pad - left)).append(" │");
        }
        b.append('\n');
        line(b, w, '├', '┼', '┤');
        for (List<String> r : rows) {
            b.append('│');
            for (int i = 0; i < n; i++) {
                String c = r.get(i);
                b.append(' ').append(" ".repeat(w[i] - width(c))).append(c).append(" │");
            }
            b.append('\n');
        }
        line(b, w, '└', '┴', '┘');
        return b.toString();
    }

    private static void line(StringBuilder b, int[] w, char l, char m, char r) {
        b.append(l);
        for (int i = 0; i < w.length; i++) {
            b.append("─".repeat(w[i] + 2)).append(i == w.length - 1 ? r : m);
        }
        b.append('\n');
    }

    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }
}
