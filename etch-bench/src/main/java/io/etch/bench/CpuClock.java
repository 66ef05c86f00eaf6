package io.etch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark's own CPU use (all threads, user and system), so that a report can say how much
 * of the machine the client took: on a small machine a heavy client slows every server alike.
 */
final class CpuClock {
    private static final long START_WALL_NANOS = System.nanoTime();

    private CpuClock() {
    }

    /** CPU time this process has used so far, in nanoseconds; -1 if unknown. */
    static long processCpuNanos() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long t = sun.getProcessCpuTime();
            if (t >= 0) {
                return t;
            }
        }
        return procStatCpuNanos();
    }

    /** utime + stime from /proc/self/stat, at the kernel's clock-tick resolution (assumed 100 Hz). */
    static long procStatCpuNanos() {
        try {
            return parseProcStatCpuTicks(Files.readString(Path.of("/proc/self/stat"))) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime, in clock ticks, from a /proc/PID/stat line (whose second field may hold spaces). */
    static long parseProcStatCpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // After "pid (comm) ", field 3 (state) is f[0]; utime and stime are fields 14 and 15.
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Wall time since this class was loaded (about when the JVM started), in nanoseconds. */
    static long sinceStartNanos() {
        return System.nanoTime() - START_WALL_NANOS;
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }
}
