package io.etch.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;

/** Every thread's stack with its locks, for a test to print when an in-process cluster hangs. */
public final class ThreadDump {
    private ThreadDump() {}

    public static String all() {
        StringBuilder b = new StringBuilder("thread dump:\n");
        for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            b.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
            if (t.getLockName() != null) {
                b.append(" on ").append(t.getLockName());
            }
            if (t.getLockOwnerName() != null) {
                b.append(" owned by \"").append(t.getLockOwnerName()).append('"');
            }
            b.append('\n');
            // ThreadInfo.toString cuts stacks at 8 frames; Ratis' waits are deeper than that.
            for (StackTraceElement e : t.getStackTrace()) {
                b.append("\tat ").append(e).append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }
}
