package io.etch.bench;

/** etcd's {@code --consistency} flag: {@code l} (linearizable) or {@code s} (serializable). */
final class Consistency {
    private Consistency() {
    }

    /**
     * Prints etcd's "bench with ... range" line and returns whether reads are serializable; for
     * any other value prints the error and returns null.
     */
    static Boolean serializable(String consistency) {
        if (consistency.equals("l")) {
            System.out.println("bench with linearizable range");
            return false;
        }
        if (consistency.equals("s")) {
            System.out.println("bench with serializable range");
            return true;
        }
        System.err.println("--consistency must be l (linearizable) or s (serializable), got " + consistency);
        return null;
    }
}
