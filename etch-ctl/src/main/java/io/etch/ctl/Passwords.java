package io.etch.ctl;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Reading passwords: from the terminal without echo when there is one, else a line of stdin. */
final class Passwords {
    private Passwords() {
    }

    static String ask(EtchCtl ctl, String prompt) {
        Console console = System.console();
        if (console != null && ctl.in == System.in) {
            char[] pw = console.readPassword("%s", prompt);
            return pw == null ? "" : new String(pw);
        }
        ctl.err.print(prompt);
        return readLine(ctl);
    }

    /** fmt.Scanf("%s"): the first word of stdin. */
    static String scanWord(EtchCtl ctl) {
        String line = readLine(ctl);
        String t = line.strip();
        int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }

    private static String readLine(EtchCtl ctl) {
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(ctl.in, StandardCharsets.UTF_8));
            String line = r.readLine();
            return line == null ? "" : line;
        } catch (IOException e) {
            return "";
        }
    }
}
