package io.etch.ctl;

import java.util.ArrayList;
import java.util.List;

/** etcdctl's usage text (its cobrautl template), laid out by a port of Go's text/tabwriter. */
final class Usage {
    static final String VERSION = "3.5.30";
    static final String API_VERSION = "3.5";

    private Usage() {
    }

    static String of(Command cmd) {
        StringBuilder b = new StringBuilder();
        b.append("NAME:\n");
        b.append('\t').append(cmd.parent == null ? cmd.name() : relativeName(cmd, root(cmd))).append(" - ")
            .append(cmd.shortDesc).append('\n');
        b.append("\nUSAGE:\n");
        b.append('\t').append(cmd.useLine()).append('\n');
        if (cmd.parent == null) {
            b.append("\nVERSION:\n\t").append(VERSION).append('\n');
        }
        if (!cmd.children.isEmpty()) {
            b.append("\nAPI VERSION:\n\t").append(API_VERSION).append('\n');
            b.append("\n\nCOMMANDS:\n");
            for (Command sub : subCommands(cmd)) {
                if (sub.runnable()) {
                    b.append('\t').append(relativeName(sub, cmd)).append('\t').append(sub.shortDesc).append('\n');
                }
            }
        }
        if (cmd.longDesc != null && !cmd.longDesc.isEmpty()) {
            b.append("\nDESCRIPTION:\n");
            for (String line : trim(cmd.longDesc).split("\n", -1)) {
                b.append('\t').append(line).append('\n');
            }
        }
        FlagSet local = cmd.localFlags();
        if (!local.isEmpty()) {
            b.append("\nOPTIONS:\n").append(flagUsages(local));
        }
        FlagSet inherited = cmd.inheritedFlags();
        if (!inherited.isEmpty()) {
            b.append("\nGLOBAL OPTIONS:\n").append(flagUsages(inherited));
        }
        b.append('\n');
        return tabwrite(b.toString());
    }

    private static Command root(Command c) {
        while (c.parent != null) {
            c = c.parent;
        }
        return c;
    }

    private static String relativeName(Command cmd, Command start) {
        List<String> parts = new ArrayList<>();
        parts.add(cmd.name());
        Command c = cmd;
        while (c.parent != null && !c.parent.name().equals(start.name())) {
            c = c.parent;
            parts.add(0, c.name());
        }
        return String.join(" ", parts);
    }

    private static List<Command> subCommands(Command cmd) {
        List<Command> all = new ArrayList<>();
        for (Command c : cmd.children) {
            all.add(c);
            all.addAll(subCommands(c));
        }
        return all;
    }

    private static String trim(String s) {
        int a = 0;
        int z = s.length();
        while (a < z && "\n\t ".indexOf(s.charAt(a)) >= 0) {
            a++;
        }
        while (z > a && "\n\t ".indexOf(s.charAt(z - 1)) >= 0) {
            z--;
        }
        return s.substring(a, z);
    }

    private static String flagUsages(FlagSet set) {
        StringBuilder b = new StringBuilder();
        for (Flag f : set.sorted()) {
            String head = f.shorthand.isEmpty() ? "      --" + f.name : "  -" + f.shorthand + ", --" + f.name;
            boolean noOpt = !f.noOptDefVal().isEmpty();
            String def = f.type == Flag.Type.STRING ? Go.quote(f.defValue) : f.defValue;
            if (f.type == Flag.Type.DURATION) {
                def = Go.duration(Go.parseDuration(f.defValue));
            }
            b.append(head).append(noOpt ? "[=" + def + "]" : "=" + def).append('\t').append(f.usage).append('\n');
        }
        return b.toString();
    }

    /** Go's text/tabwriter with minwidth 0, tabwidth 8, padding 1, padchar '\t', no flags. */
    static String tabwrite(String text) {
        String[] rawLines = text.split("\n", -1);
        List<List<String>> lines = new ArrayList<>();
        for (String l : rawLines) {
            List<String> cells = new ArrayList<>(List.of(l.split("\t", -1)));
            lines.add(cells);
        }
        // The last element after the final newline is an empty, unterminated line.
        StringBuilder out = new StringBuilder();
        format(out, lines, 0, 0, lines.size(), new ArrayList<>());
        return out.toString();
    }

    private static void format(StringBuilder out, List<List<String>> lines, int column, int line0, int line1,
                               List<Integer> widths) {
        int pos = line0;
        for (int i = line0; i < line1; i++) {
            List<String> line = lines.get(i);
            if (column >= line.size() - 1) {
                continue;
            }
            writeLines(out, lines, pos, i, widths);
            pos = i;
            int width = 0;
            int j = i;
            for (; j < line1; j++) {
                List<String> l = lines.get(j);
                if (column >= l.size() - 1) {
                    break;
                }
                String cell = l.get(column);
                int w = cell.codePointCount(0, cell.length()) + 1;
                if (w > width) {
                    width = w;
                }
            }
            if (width > 0) {
                width = ((width + 7) / 8) * 8;
            }
            List<Integer> nested = new ArrayList<>(widths);
            nested.add(width);
            format(out, lines, column + 1, i, j, nested);
            pos = j;
            i = j - 1;
        }
        writeLines(out, lines, pos, line1, widths);
    }

    private static void writeLines(StringBuilder out, List<List<String>> lines, int line0, int line1, List<Integer> widths) {
        for (int i = line0; i < line1; i++) {
            List<String> line = lines.get(i);
            for (int j = 0; j < line.size(); j++) {
                String c = line.get(j);
                if (j < widths.size() && j < line.size() - 1) {
                    int textw = c.codePointCount(0, c.length());
                    out.append(c);
                    int pad = widths.get(j) - textw;
                    if (pad > 0) {
                        int tabs = (pad + 7) / 8;
                        out.append("\t".repeat(tabs));
                    }
                } else {
                    out.append(c);
                    if (j < line.size() - 1) {
                        out.append('\t');
                    }
                }
            }
            if (i + 1 < lines.size()) {
                out.append('\n');
            }
        }
    }
}
