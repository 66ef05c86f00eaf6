package io.etch.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * etcd 3.5's runtime-reconfiguration guide, step by step with real {@code etcdctl}: first against
 * three packaged Etch members, then against three real etcd 3.5 members started with the same flags
 * on the same ports; the two transcripts must be the same once what legitimately differs is
 * normalised (see {@link Normaliser}). Both transcripts stay behind in {@code target/reconfig-guide}.
 *
 * <p>The guide: {@code member list}, {@code member add} and starting the new member with the
 * printed {@code ETCD_*} settings, {@code endpoint status/health/hashkv --cluster}, a learner added,
 * started and promoted, {@code member update}, {@code member remove} of a follower and of the
 * leader, etcd's errors, and writes between the steps that every member must serve. Before the
 * learner joins, 400 keys of 40 KB (16 MB, two log segments) are written, so that with
 * {@code --snapshot-count 100} an Etch learner catches up from the leader's store rather than the
 * purged log. Before the removals leadership is moved to m1 ({@code move-leader}): which member led
 * came out of an election, and both sides must remove the same members.
 *
 * <p>Ports 26100-26105 (client) and 26200-26205 (peer): below the ephemeral range, above etcd's e2e
 * suites (20000 and up, a few hundred) and {@code etch-bench}'s 23790/24790, and apart from
 * {@code TestPorts}' 10000-19999.
 *
 * <p>Skipped with {@code -Detch.reconfigGuide=false}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@org.junit.jupiter.api.condition.DisabledIfSystemProperty(named = "etch.reconfigGuide", matches = "false")
class ReconfigGuideIT {

    private static final Path ETCD35_BIN = Path.of(System.getProperty("user.home"), ".cache/etcd-e2e-3.5/bin");
    private static final Path ETCD35 = ETCD35_BIN.resolve("etcd");
    private static final Path ETCDCTL35 = ETCD35_BIN.resolve("etcdctl");
    private static final Path OUT = Path.of("target", "reconfig-guide");
    private static final String TOKEN = "reconfig-guide";
    private static final int BULK_KEYS = 400;
    private static final int BULK_VALUE_BYTES = 40_000;
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Etch's transcript, kept for the comparison with etcd's. */
    private static List<String> etchTranscript;

    private static Path etcdctl() {
        return ETCDCTL35;
    }

    static int clientPort(int i) {
        return 26100 + i;
    }

    static int peerPort(int i) {
        return 26200 + i;
    }

    static String clientUrl(int i) {
        return "http://127.0.0.1:" + clientPort(i);
    }

    static String peerUrl(int i) {
        return "http://127.0.0.1:" + peerPort(i);
    }

    @Test
    @Order(1)
    void etchFollowsTheReconfigurationGuide() throws Exception {
        // etcdctl 3.4 prints other tables, and endpoint health on stderr: the transcript is 3.5's.
        assumeTrue(Files.isExecutable(ETCDCTL35), "needs etcdctl 3.5 (../shared/tools/etcd-e2e-3.5 --setup)");
        etchTranscript = new Guide(Side.ETCH).run();
    }

    @Test
    @Order(2)
    void etcdPrintsTheSameTranscript() throws Exception {
        assumeTrue(Files.isExecutable(ETCD35) && Files.isExecutable(ETCDCTL35),
                "needs etcd 3.5 (../shared/tools/etcd-e2e-3.5 --setup)");
        if (etchTranscript == null) {
            etchTranscript = new Guide(Side.ETCH).run();
        }
        List<String> etcd = new Guide(Side.ETCD).run();
        assertThat(etchTranscript).as("steps").hasSameSizeAs(etcd);
        for (int i = 0; i < etcd.size(); i++) {
            assertThat(etchTranscript.get(i)).as("step %d", i).isEqualTo(etcd.get(i));
        }
    }

    enum Side {
        ETCH, ETCD
    }

    /** One run of the guide against one kind of server, on fresh data dirs under target/. */
    private static final class Guide {
        private final Side side;
        private final Path dir;
        /** The members in the cluster now, by index. */
        private final Map<Integer, Member> members = new LinkedHashMap<>();
        /** Every process started, removed ones too: all are stopped at the end. */
        private final List<Member> started = new ArrayList<>();
        private final Normaliser norm = new Normaliser();
        private final List<String> transcript = new ArrayList<>();
        private int puts;

        Guide(Side side) throws IOException {
            this.side = side;
            this.dir = OUT.resolve(side.name().toLowerCase() + "-" + System.currentTimeMillis()).toAbsolutePath();
            Files.createDirectories(dir);
        }

        List<String> run() throws Exception {
            try {
                steps();
            } finally {
                for (Member m : started) {
                    m.close();
                }
                Files.writeString(OUT.resolve(side.name().toLowerCase() + ".txt"), String.join("\n", transcript));
            }
            return transcript;
        }

        private void steps() throws Exception {
            String cluster = "m0=" + peerUrl(0) + ",m1=" + peerUrl(1) + ",m2=" + peerUrl(2);
            List<Thread> starters = new ArrayList<>();
            List<Exception> failures = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                List<String> flags = new ArrayList<>(List.of("--name", "m" + i,
                        "--initial-advertise-peer-urls", peerUrl(i), "--initial-cluster", cluster,
                        "--initial-cluster-state", "new"));
                Member m = member(i, flags, Map.of());
                starters.add(new Thread(() -> {
                    try {
                        m.start();
                    } catch (Exception e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }));
            }
            starters.forEach(Thread::start);
            for (Thread t : starters) {
                t.join();
            }
            if (!failures.isEmpty()) {
                throw failures.get(0);
            }
            await("m0 healthy", () -> ctl(0, "endpoint", "health").text().contains("is healthy"));
            norm.learnIds(ctl(0, "member", "list", "-w", "json").out);

            step(0, "member", "list", "-w", "table");
            step(0, "member", "list", "-w", "json");
            putAndCheck();

            // etcd's errors. The strict reconfiguration check answers "unhealthy cluster" until the
            // leader has been in touch with every voter for 5 s: retried, on both sides.
            stepRetrying(0, "member", "remove", "1234");
            stepRetrying(0, "member", "promote", norm.idOf("m1"));
            stepRetrying(0, "member", "add", "dup", "--peer-urls=" + peerUrl(1));

            // Add a member and start it with what member add printed.
            String added = stepRetrying(0, "member", "add", "m3", "--peer-urls=" + peerUrl(3));
            startAdded(3, added);
            await("m3 healthy", () -> ctl(3, "endpoint", "health").text().contains("is healthy"));
            step(0, "member", "list", "-w", "table");
            stepStatus();
            putAndCheck();

            // Enough writes that the leader's log behind the store is purged before the learner joins.
            bulkWrite();
            putAndCheck();

            String learner = stepRetrying(0, "member", "add", "m4", "--learner", "--peer-urls=" + peerUrl(4));
            step(0, "member", "add", "m5", "--learner", "--peer-urls=" + peerUrl(5));
            startAdded(4, learner);
            await("m4 serves status", () -> ctl(4, "endpoint", "status").code == 0);
            step(0, "member", "list", "-w", "table");
            step(4, "put", "on-learner", "x");
            step(4, "get", "k0", "--consistency=l");
            if (side == Side.ETCH) {
                await("m4 caught up from the leader's store", () -> members.get(4).logContains("received a snapshot")
                        || metric(4, "etcd_network_snapshot_receive_success").equals("1"));
            }
            String id4 = norm.idOf("m4");
            long deadline = System.nanoTime() + BOUND_NANOS;
            Result promoted;
            do {
                promoted = ctl(0, "member", "promote", id4);
            } while (promoted.text().contains("can only promote a learner member which is in sync with leader")
                    && System.nanoTime() < deadline && sleep());
            record(List.of("member", "promote", id4), promoted);
            step(0, "member", "list", "-w", "table");
            await("m4 healthy", () -> ctl(4, "endpoint", "health").text().contains("is healthy"));
            putAndCheck();

            stepRetrying(0, "member", "update", id4, "--peer-urls=" + peerUrl(4));
            step(0, "member", "list", "-w", "json");
            putAndCheck();
            stepHealth();
            stepHashKv();

            // Remove a follower, then the leader. Which member leads came out of an election: it is
            // handed to m1 first, so that both sides remove the same members.
            moveLeaderTo(1);
            int leader = leaderIndex();
            int follower = members.keySet().stream().filter(i -> i != leader && i != 0).findFirst().orElseThrow();
            removeMember(follower, leader);
            int leaderNow = leaderIndex();
            removeMember(leaderNow, leaderNow);
            int any = members.keySet().iterator().next();
            await("a new leader", () -> ctl(any, "endpoint", "health").text().contains("is healthy"));
            step(any, "member", "list", "-w", "table");
            putAndCheck();
            stepHealth();
            stepHashKv();
            stepStatus();
        }

        /** etcdctl move-leader, which finds the leader among all the endpoints it is given. */
        private void moveLeaderTo(int target) throws Exception {
            if (leaderIndex() != target) {
                String endpoints = members.keySet().stream().map(ReconfigGuideIT::clientUrl)
                        .collect(Collectors.joining(","));
                Result r = Result.of(endpoints, List.of("move-leader", norm.idOf("m" + target)));
                assertThat(r.code).as(r.text()).isZero();
                assertThat(r.out).contains("Leadership transferred");
                await("m" + target + " leads", () -> leaderIndex() == target);
            }
            transcript.add("# m" + target + " leads");
        }

        /** Removes member {@code i} through another one and checks the removed process stops (exit 0). */
        private void removeMember(int i, int leader) throws Exception {
            int via = members.keySet().stream().filter(j -> j != i && j != leader).findFirst().orElseThrow();
            stepRetrying(via, "member", "remove", norm.idOf("m" + i));
            Member removed = members.remove(i);
            assertThat(removed.process.waitFor(60, TimeUnit.SECONDS)).as("m%d stops after its removal", i).isTrue();
            transcript.add("# m" + i + " exited with " + removed.process.exitValue());
        }

        private Member member(int i, List<String> flags, Map<String, String> env) {
            List<String> cmd = new ArrayList<>();
            cmd.add(side == Side.ETCH ? EtchProcess.repositoryRoot().resolve("bin/etch").toString() : ETCD35.toString());
            cmd.addAll(flags);
            cmd.addAll(List.of("--data-dir", dir.resolve("m" + i).toString(),
                    "--listen-client-urls", clientUrl(i), "--advertise-client-urls", clientUrl(i),
                    "--listen-peer-urls", peerUrl(i), "--initial-cluster-token", TOKEN,
                    "--heartbeat-interval", "100", "--election-timeout", "1000", "--snapshot-count", "100"));
            if (side == Side.ETCH) {
                // etcd 3.5 has no such flag (3.6 does): it keeps 5,000 entries behind its snapshots.
                cmd.addAll(List.of("--snapshot-catchup-entries", "100"));
            }
            Member m = new Member(cmd, env, dir.resolve("m" + i + ".log"));
            members.put(i, m);
            started.add(m);
            return m;
        }

        /** Starts member {@code i} with the ETCD_* lines {@code member add} printed, as the guide does. */
        private void startAdded(int i, String memberAddOutput) throws Exception {
            Map<String, String> env = new LinkedHashMap<>();
            Matcher m = Pattern.compile("(?m)^(ETCD_[A-Z_]+)=\"(.*)\"$").matcher(memberAddOutput);
            while (m.find()) {
                env.put(m.group(1), m.group(2));
            }
            assertThat(env).containsKeys("ETCD_NAME", "ETCD_INITIAL_CLUSTER", "ETCD_INITIAL_ADVERTISE_PEER_URLS")
                    .containsEntry("ETCD_INITIAL_CLUSTER_STATE", "existing");
            // The guide's --initial-cluster-state existing, as a flag: etcd refuses a flag given
            // both ways, so the variable goes.
            env.remove("ETCD_INITIAL_CLUSTER_STATE");
            member(i, List.of("--initial-cluster-state", "existing"), env).start();
        }

        private void putAndCheck() throws Exception {
            String key = "k" + puts;
            String value = "v" + puts++;
            int via = members.keySet().iterator().next();
            step(via, "put", key, value);
            for (int i : members.keySet()) {
                int member = i;
                // A serializable read answers from the member's own store: wait until it applied.
                await("m" + i + " serves " + key, () -> ctl(member, "get", key, "--consistency=s", "--print-value-only")
                        .out.strip().equals(value));
            }
            transcript.add("# every member serves " + key + "=" + value);
        }

        private void bulkWrite() throws Exception {
            int via = members.keySet().iterator().next();
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", clientPort(via)).usePlaintext().build();
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
                ByteString value = ByteString.copyFrom(new byte[BULK_VALUE_BYTES]);
                for (int i = 0; i < BULK_KEYS; i++) {
                    kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                            .setKey(ByteString.copyFromUtf8(String.format("bulk/%05d", i))).setValue(value).build());
                }
            } finally {
                ch.shutdownNow();
            }
            transcript.add("# wrote " + BULK_KEYS + " keys of " + BULK_VALUE_BYTES + " bytes");
            step(via, "get", "bulk/", "--prefix", "--count-only", "-w", "json");
        }

        private int leaderIndex() throws Exception {
            int any = members.keySet().iterator().next();
            String json = ctl(any, "endpoint", "status", "-w", "json").out;
            Matcher m = Pattern.compile("\"leader\":(\\d+)").matcher(json);
            assertThat(m.find()).as(json).isTrue();
            String name = norm.nameOf(m.group(1));
            return Integer.parseInt(name.substring(1));
        }

        private void stepStatus() throws Exception {
            int via = members.keySet().iterator().next();
            Result r = ctl(via, "endpoint", "status", "--cluster", "-w", "table");
            long leaders = r.out.lines().filter(l -> l.matches(".*│ +true │ +(true|false) │.*")).count();
            assertThat(leaders).as("one leader in\n%s", r.out).isEqualTo(1);
            record(List.of("endpoint", "status", "--cluster", "-w", "table"), r);
        }

        private void stepHealth() throws Exception {
            int via = members.keySet().iterator().next();
            record(List.of("endpoint", "health", "--cluster"), ctl(via, "endpoint", "health", "--cluster"));
        }

        /** hashkv on every member; they agree once every member applied the last write. */
        private void stepHashKv() throws Exception {
            int via = members.keySet().iterator().next();
            Result[] last = new Result[1];
            await("equal hashes", () -> {
                last[0] = ctl(via, "endpoint", "hashkv", "--cluster");
                List<String> hashes = last[0].out.lines().map(l -> l.replaceAll("^.*, ", "")).distinct().toList();
                return last[0].code == 0 && hashes.size() == 1;
            });
            assertThat(last[0].out.lines().count()).isEqualTo(members.size());
            record(List.of("endpoint", "hashkv", "--cluster"), last[0]);
        }

        private String step(int via, String... args) throws Exception {
            Result r = ctl(via, args);
            record(Arrays.asList(args), r);
            return r.out;
        }

        private String stepRetrying(int via, String... args) throws Exception {
            Result r = retrying(via, args);
            record(Arrays.asList(args), r);
            return r.out;
        }

        private Result retrying(int via, String... args) throws Exception {
            long deadline = System.nanoTime() + BOUND_NANOS;
            Result r;
            do {
                r = ctl(via, args);
            } while (r.text().contains("etcdserver: unhealthy cluster") && System.nanoTime() < deadline && sleep());
            return r;
        }

        private void record(List<String> args, Result r) {
            norm.learnIds(r.out);
            transcript.add("$ etcdctl " + norm.apply(String.join(" ", args)) + "\n" + norm.apply(r.text()));
        }

        private Result ctl(int i, String... args) throws IOException, InterruptedException {
            return Result.of(clientUrl(i), List.of(args));
        }

        private String metric(int i, String name) throws IOException, InterruptedException {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(clientUrl(i) + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith(name + " ")).map(l -> l.substring(name.length() + 1))
                    .map(v -> v.replaceAll("\\.0$", "")).findFirst().orElse("");
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    /** Waits for {@code check}; the bound only ends a failing test. */
    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(200);
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(300);
        return true;
    }

    /** One etcdctl run: exit code, stdout, and stderr without clientv3's JSON retry warnings. */
    record Result(int code, String out, String err) {
        static Result of(String endpoint, List<String> args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(etcdctl().toString(), "--endpoints", endpoint,
                    "--command-timeout", "10s", "--dial-timeout", "5s"));
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            err = err.lines().filter(l -> !l.startsWith("{\"level\"")).map(l -> l.replaceFirst("^[0-9/: .]+ ", ""))
                    .collect(Collectors.joining("\n"));
            return new Result(code, new String(out, StandardCharsets.UTF_8), err);
        }

        String text() {
            return "exit=" + code + "\n" + out + (err.isBlank() ? "" : "stderr=" + err + "\n");
        }
    }

    /**
     * What legitimately differs between two runs of the guide. Ids of members added at run time
     * (etcd derives them from the time) become {@code <id:NAME>}; the three first members' ids and
     * the cluster id come from the peer URLs and token, are etcd's on Etch too, and stay. Rows and
     * members ordered by id are sorted. Versions, sizes, raft terms and indexes, health-check times
     * and hashes become placeholders.
     */
    static final class Normaliser {
        private final Map<String, String> nameById = new LinkedHashMap<>();
        private final Map<String, String> idByName = new LinkedHashMap<>();

        /** Learns ids from {@code member list -w json} and from "Member ID added" lines. */
        void learnIds(String text) {
            Matcher m = Pattern.compile("\\{\"ID\":(\\d+)(?:,\"name\":\"([^\"]*)\")?,\"peerURLs\":\\[\"http://127\\.0\\.0\\.1:262(\\d\\d)\"")
                    .matcher(text);
            while (m.find()) {
                learn(Long.toHexString(Long.parseUnsignedLong(m.group(1))), "m" + Integer.parseInt(m.group(3)));
            }
            // etcdctl pads ids to 16 hex digits with spaces: a random id below 2^60 has two.
            Matcher added = Pattern.compile("Member +([0-9a-f]+) added to cluster").matcher(text);
            Matcher name = Pattern.compile("ETCD_NAME=\"(m\\d)\"").matcher(text);
            if (added.find() && name.find()) {
                learn(added.group(1), name.group(1));
            }
        }

        private void learn(String hex, String name) {
            nameById.put(hex, name);
            idByName.put(name, hex);
        }

        String idOf(String name) {
            String id = idByName.get(name);
            if (id == null) {
                throw new IllegalStateException("no id known for " + name + ": " + idByName);
            }
            return id;
        }

        String nameOf(String decimalId) {
            return nameById.get(Long.toHexString(Long.parseUnsignedLong(decimalId)));
        }

        String apply(String text) {
            for (Map.Entry<String, String> e : nameById.entrySet()) {
                if (e.getValue().compareTo("m3") < 0) {
                    continue;
                }
                String token = "<id:" + e.getValue() + ">";
                text = text.replace(e.getKey(), token)
                        .replace(Long.toUnsignedString(Long.parseUnsignedLong(e.getKey(), 16)), token);
            }
            // The padding of a shorter id (see learnIds) goes with it.
            text = text.replaceAll(" +<id:", " <id:");
            text = text.replaceAll("\"raft_term\":\\d+", "\"raft_term\":T")
                    .replaceAll("took = [0-9.]+[µnm]?s", "took = D")
                    .replaceAll("(?m)^(http://[0-9.:]+), \\d+$", "$1, HASH");
            text = sortInitialCluster(text);
            text = normaliseStatusTable(text);
            text = sortTableRows(text);
            text = sortJsonMembers(text);
            text = sortPlainLines(text);
            return text;
        }

        private static String sortInitialCluster(String text) {
            Matcher m = Pattern.compile("ETCD_INITIAL_CLUSTER=\"([^\"]*)\"").matcher(text);
            if (!m.find()) {
                return text;
            }
            String sorted = Arrays.stream(m.group(1).split(",")).sorted().collect(Collectors.joining(","));
            return text.substring(0, m.start(1)) + sorted + text.substring(m.end(1));
        }

        /** endpoint status: version, DB size, raft term and indexes are the server's own. */
        private static String normaliseStatusTable(String text) {
            if (!text.contains("RAFT APPLIED INDEX")) {
                return text;
            }
            return text.lines().map(l -> {
                if (!l.startsWith("│ http")) {
                    return l;
                }
                String[] c = l.split("│", -1);
                // c[1] endpoint, 2 id, 3 version, 4 db size, 5 leader, 6 learner, 7 term, 8 index, 9 applied, 10 errors
                c[3] = " V ";
                c[4] = " SIZE ";
                c[5] = " L ";
                c[7] = " T ";
                c[8] = " I ";
                c[9] = " A ";
                return String.join("│", c);
            }).collect(Collectors.joining("\n", "", "\n"));
        }

        /** Table rows ordered by member id: their order differs with the ids. */
        private static String sortTableRows(String text) {
            List<String> lines = new ArrayList<>(text.lines().toList());
            int first = -1;
            int last = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("│") && i > 0 && lines.get(i - 1).startsWith("├")) {
                    first = i;
                }
                if (first >= 0 && lines.get(i).startsWith("└")) {
                    last = i;
                    break;
                }
            }
            if (first < 0 || last < 0) {
                return text;
            }
            List<String> rows = new ArrayList<>(lines.subList(first, last));
            rows.sort(Comparator.naturalOrder());
            for (int i = 0; i < rows.size(); i++) {
                lines.set(first + i, rows.get(i));
            }
            return String.join("\n", lines) + (text.endsWith("\n") ? "\n" : "");
        }

        private static String sortJsonMembers(String text) {
            Matcher m = Pattern.compile("\"members\":\\[(.*)\\]\\}").matcher(text);
            if (!m.find()) {
                return text;
            }
            List<String> entries = new ArrayList<>(Arrays.asList(m.group(1).split("(?<=\\}),(?=\\{)")));
            entries.sort(Comparator.naturalOrder());
            return text.substring(0, m.start(1)) + String.join(",", entries) + text.substring(m.end(1));
        }

        /** endpoint health and hashkv --cluster print in the order the answers come. */
        private static String sortPlainLines(String text) {
            if (!text.contains(" is healthy: ") && !text.contains(", HASH")) {
                return text;
            }
            List<String> lines = text.lines().toList();
            List<String> head = lines.subList(0, 1);
            List<String> rest = new ArrayList<>(lines.subList(1, lines.size()));
            rest.sort(Comparator.naturalOrder());
            List<String> all = new ArrayList<>(head);
            all.addAll(rest);
            return String.join("\n", all) + "\n";
        }
    }

    /** A member process (bin/etch or etcd) with extra environment; its log goes to a file. */
    private static final class Member implements AutoCloseable {
        private final List<String> command;
        private final Map<String, String> env;
        private final Path log;
        private Process process;

        Member(List<String> command, Map<String, String> env, Path log) {
            this.command = command;
            this.env = env;
            this.log = log;
        }

        void start() throws IOException, InterruptedException {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
            pb.environment().putAll(env);
            Files.writeString(log, "$ " + env + " " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = pb.start();
            CountDownLatch ready = new CountDownLatch(1);
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                        if (line.contains("ready to serve client requests")) {
                            ready.countDown();
                        }
                    }
                } catch (IOException ignored) {
                    // the process went away
                }
            }, "member-log");
            pump.setDaemon(true);
            pump.start();
            if (!ready.await(90, TimeUnit.SECONDS)) {
                throw new IllegalStateException("member did not become ready; log " + log);
            }
        }

        boolean logContains(String text) throws IOException {
            return Files.readString(log).contains(text);
        }

        @Override
        public void close() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
