package io.etch.ctl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The golden session (session.tsv, recorded from etcdctl 3.5 by record.sh) replayed through etchctl in
 * process, and the normalisation both sides get before they are compared: lease ids (hex and decimal)
 * become LEASE1, LEASE2... in order of appearance, a running-down TTL and the time a health check took
 * become placeholders, and for endpoint status the DB size and raft indexes (which differ between two
 * servers by nature) too. Cluster and member ids and URLs need none: the member under test is started
 * with the recorded name, token and ports, so it has etcd's ids.
 */
final class Golden {
    static final Path DIR = Path.of("src/test/resources/golden");

    /** One call of the session. */
    record Call(String name, int seconds, boolean holdStdin, String stdin, List<String> args, Map<String, String> env) {
    }

    /** What a call printed and its exit code ("timeout" for calls stopped after their time). */
    record Output(String exit, String stdout, String stderr) {
        String text() {
            return "exit=" + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    static List<Call> session() throws IOException {
        List<Call> calls = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("session.tsv"))) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            String name = f[0];
            int seconds = 0;
            boolean hold = false;
            if (name.contains("@")) {
                seconds = Integer.parseInt(name.substring(name.indexOf('@') + 1));
                name = name.substring(0, name.indexOf('@'));
            } else if (name.contains("~")) {
                seconds = Integer.parseInt(name.substring(name.indexOf('~') + 1));
                hold = true;
                name = name.substring(0, name.indexOf('~'));
            }
            String stdin = f[1].equals("-") ? "" : f[1].replace("\\n", "\n").replace("\\t", "\t");
            List<String> args = new ArrayList<>();
            Map<String, String> env = new LinkedHashMap<>();
            for (int i = 2; i < f.length; i++) {
                String a = f[i].equals("''") ? "" : f[i];
                if (a.startsWith("ENV:")) {
                    env.put(a.substring(4, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
                } else {
                    args.add(a);
                }
            }
            calls.add(new Call(name, seconds, hold, stdin, args, env));
        }
        return calls;
    }

    static Output expected(String name) throws IOException {
        String t = Files.readString(DIR.resolve(name + ".txt"));
        int so = t.indexOf("\n--- stdout\n");
        int se = t.lastIndexOf("\n--- stderr\n");
        String stdout = t.substring(so + "\n--- stdout\n".length(), se);
        if (name.contains("protobuf")) {
            stdout = hex(Base64.getMimeDecoder().decode(stdout));
        }
        return new Output(t.substring("exit=".length(), so), stdout, t.substring(se + "\n--- stderr\n".length()));
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    /** Replays calls in order against one endpoint; $LEASE and $MEMBER as record.sh substitutes them. */
    static final class Runner {
        final String endpoint;
        final String member;
        String lease = "0";

        Runner(String endpoint, String member) {
            this.endpoint = endpoint;
            this.member = member;
        }

        Output run(Call call) throws Exception {
            List<String> args = new ArrayList<>();
            for (String a : call.args()) {
                args.add(a.replace("$LEASE", lease).replace("$MEMBER", member).replace("$ENDPOINT", endpoint));
            }
            Map<String, String> env = new HashMap<>();
            env.put("ETCDCTL_API", "3");
            if (!args.contains("--endpoints")) {
                env.put("ETCDCTL_ENDPOINTS", endpoint);
            }
            call.env().forEach((k, v) -> env.put(k, v.replace("$ENDPOINT", endpoint)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            InputStream in = new ByteArrayInputStream(call.stdin().getBytes(StandardCharsets.UTF_8));
            if (call.holdStdin()) {
                in = new HeldStdin(call.stdin().getBytes(StandardCharsets.UTF_8), call.seconds() * 1000L);
            }
            EtchCtl ctl = new EtchCtl(env, in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
            String exit;
            if (call.seconds() > 0 && !call.holdStdin()) {
                int[] code = {-1};
                Thread t = new Thread(() -> code[0] = ctl.run(args.toArray(String[]::new)), "etchctl-" + call.name());
                t.setDaemon(true);
                t.start();
                t.join(call.seconds() * 1000L);
                boolean ended = !t.isAlive();
                ctl.interrupt();
                t.join(3000);
                exit = ended ? Integer.toString(code[0]) : "124";
            } else {
                exit = Integer.toString(ctl.run(args.toArray(String[]::new)));
            }
            String stdout = out.toString(StandardCharsets.UTF_8);
            if (call.name().contains("protobuf")) {
                stdout = hex(out.toByteArray());
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^lease ([0-9a-f]{16}) granted", java.util.regex.Pattern.MULTILINE)
                .matcher(stdout);
            if (m.find()) {
                lease = m.group(1);
            } else if (args.size() >= 2 && args.get(0).equals("lease") && args.get(1).equals("grant")) {
                java.util.regex.Matcher d = java.util.regex.Pattern.compile("\"ID\" ?: ?([0-9]+)").matcher(stdout);
                if (d.find()) {
                    lease = String.format("%016x", Long.parseLong(d.group(1)));
                }
            }
            StringBuilder errText = new StringBuilder();
            for (String l : err.toString(StandardCharsets.UTF_8).split("(?<=\n)")) {
                if (!l.startsWith("{\"level\"")) {
                    errText.append(l);
                }
            }
            return new Output(exit, stdout, errText.toString());
        }
    }

    /** Stdin that gives its bytes, then stays open for a while before its end (record.sh's NAME~N). */
    static final class HeldStdin extends InputStream {
        private final ByteArrayInputStream data;
        private final long holdMillis;

        HeldStdin(byte[] bytes, long holdMillis) {
            this.data = new ByteArrayInputStream(bytes);
            this.holdMillis = holdMillis;
        }

        @Override
        public int read() throws IOException {
            int c = data.read();
            if (c < 0) {
                try {
                    Thread.sleep(holdMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return c;
        }
    }

    /** The normalisation described above, applied to a whole transcript (ids numbered across calls). */
    static final class Normalizer {
        private final Map<String, String> leases = new HashMap<>();

        String apply(String name, String text) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?<![0-9a-f])[0-9a-f]{16}(?![0-9a-f])").matcher(text);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                String id = m.group();
                String rep = id;
                if (name.startsWith("lease") || name.startsWith("lock") || name.startsWith("elect")) {
                    rep = leases.computeIfAbsent(id, x -> "LEASE" + (leases.size() / 2 + 1));
                    leases.putIfAbsent(Long.toString(Long.parseUnsignedLong(id, 16)), rep);
                }
                m.appendReplacement(b, rep);
            }
            m.appendTail(b);
            String t = b.toString();
            for (Map.Entry<String, String> e : leases.entrySet()) {
                if (!e.getKey().matches("[0-9a-f]{16}")) {
                    t = t.replace(e.getKey(), e.getValue());
                }
            }
            if (name.startsWith("lease") || name.startsWith("lock") || name.startsWith("elect")) {
                t = t.replaceAll("(\"(ID|id)\" ?: ?)\\d+", "$1LEASEID");
            }
            if (name.equals("seed-no-args")) {
                // etchctl lacks etcdctl's completion, check datascale, snapshot status|restore and has history and du
                t = t.replaceAll("(?m)^\t(completion \\w+|check datascale|snapshot (restore|status)|history|du)\t.*\n", "");
            }
            if (name.contains("timetolive")) {
                t = t.replaceAll("remaining\\(\\d+s\\)", "remaining(TTL)").replaceAll("\"ttl\":\\d+", "\"ttl\":TTL")
                    .replaceAll("\"TTL\" : \\d+", "\"TTL\" : TTL");
            }
            if (name.startsWith("endpoint-health")) {
                t = t.replaceAll("took = [0-9.]+[µmn]?s", "took = TOOK").replaceAll("\"took\":\"[^\"]*\"", "\"took\":\"TOOK\"")
                    .replaceAll("\"Took\" : [0-9.]+[µmn]?s", "\"Took\" : TOOK").replaceAll("(?m)^[┌├└│].*$", "TABLE");
            }
            if (name.startsWith("endpoint-hashkv")) {
                t = t.replaceAll(", \\d+\n", ", HASH\n").replaceAll("(?m)^[┌├└│].*$", "TABLE");
            }
            if (name.startsWith("endpoint-status")) {
                t = t.replaceAll("(?m)^(.*?, [0-9a-f]{16}, )[^,]+, [^,]+, (\\w+, \\w+, \\d+), \\d+, \\d+, ", "$1VERSION, SIZE, $2, INDEX, INDEX, ")
                    .replaceAll("\"version\":\"[^\"]*\",\"dbSize\":\\d+", "\"version\":\"VERSION\",\"dbSize\":SIZE")
                    .replaceAll("\"raftIndex\":\\d+", "\"raftIndex\":INDEX").replaceAll("\"raftAppliedIndex\":\\d+", "\"raftAppliedIndex\":INDEX")
                    .replaceAll(",\"dbSizeInUse\":\\d+", "").replaceAll("\"Version\" : \"[^\"]*\"", "\"Version\" : VERSION")
                    .replaceAll("\"DBSize\" : \\d+", "\"DBSize\" : SIZE").replaceAll("\"Raft(Applied)?Index\" : \\d+", "\"Raft$1Index\" : INDEX")
                    .replaceAll("(?m)^[┌├└│].*$", "TABLE");
            }
            return t;
        }
    }
}
