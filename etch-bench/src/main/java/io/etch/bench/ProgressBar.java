package io.etch.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The progress bar etcd's tool draws while a benchmark runs ({@code 2500 / 10000 Booooom      ! 25.00% 3s}),
 * redrawn in place on stderr every 200 ms. Drawn only when stderr is a terminal, so redirected
 * output holds just the report.
 */
final class ProgressBar {
    private static final long REFRESH_MILLIS = 200;

    private final PrintStream err;
    private final long total;
    private final LongSupplier done;
    private final boolean enabled;
    private final int width;
    private long startNanos;
    private Thread ticker;

    ProgressBar(PrintStream err, long total, LongSupplier done, boolean enabled) {
        this.err = err;
        this.total = total;
        this.done = done;
        this.enabled = enabled && total > 0;
        this.width = terminalWidth();
    }

    /** Whether fd 2 is a terminal (Linux: /proc/self/fd/2 links to a tty device). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (Exception e) {
            return System.console() != null;
        }
    }

    private static int terminalWidth() {
        try {
            int w = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").trim());
            return Math.max(40, Math.min(w, 200));
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    void start() {
        startNanos = System.nanoTime();
        if (!enabled) {
            return;
        }
        ticker = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    draw(false);
                    Thread.sleep(REFRESH_MILLIS);
                }
            } catch (InterruptedException e) {
                // finished
            }
        }, "etch-bench-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    void finish() throws InterruptedException {
        if (!enabled) {
            return;
        }
        ticker.interrupt();
        ticker.join();
        draw(true);
        err.println();
        err.flush();
    }

    private void draw(boolean finished) {
        long elapsed = System.nanoTime() - startNanos;
        err.print('\r');
        err.print(line(Math.min(done.getAsLong(), total), total, elapsed, finished, width));
        err.flush();
    }

    /**
     * One frame: counters, the bar ({@code B}, {@code o} per done step, {@code m} at the head,
     * blanks, {@code !}), the percentage, and the time left (while running) or taken (when finished),
     * in whole seconds. Fills {@code width} columns when there is room.
     */
    static String line(long current, long total, long elapsedNanos, boolean finished, int width) {
        String counters = current + " / " + total;
        double fraction = total > 0 ? (double) current / total : 1;
        String percent = String.format(Locale.ROOT, "%.2f%%", fraction * 100);
        long secs;
        if (finished || current >= total) {
            secs = TimeUnit.NANOSECONDS.toSeconds(elapsedNanos);
        } else if (current > 0) {
            secs = Math.round(elapsedNanos / 1e9 * (total - current) / current);
        } else {
            secs = -1;
        }
        String time = secs < 0 ? "" : GoFormat.duration(secs * 1_000_000_000L);
        int barWidth = Math.max(10, width - counters.length() - percent.length() - (time.isEmpty() ? 2 : time.length() + 3));
        int inner = barWidth - 2;
        int filled = (int) Math.min(inner, Math.floor(fraction * inner));
        StringBuilder bar = new StringBuilder(barWidth);
        bar.append('B');
        if (filled >= inner) {
            bar.append("o".repeat(inner));
        } else {
            bar.append("o".repeat(Math.max(0, filled - 1)));
            if (filled > 0) {
                bar.append('m');
            }
            bar.append(" ".repeat(inner - Math.max(filled, 0)));
        }
        bar.append('!');
        return counters + " " + bar + " " + percent + (time.isEmpty() ? "" : " " + time);
    }
}
