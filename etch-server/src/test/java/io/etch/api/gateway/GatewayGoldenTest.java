package io.etch.api.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.testing.EtchCluster;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every request of gateway/cases.tsv, in order, against a fresh member, answered as real etcd's
 * gateway answered the same sequence (gateway/*.golden, recorded with gateway/record.sh). Only
 * what differs by nature between two clusters is blanked out before comparing: IDs, term, member
 * names and URLs, the server version and sizes, a lease's remaining TTL, and the text of the error
 * that ends a watch when the server stops.
 */
class GatewayGoldenTest {

    private static EtchCluster cluster;
    private static HttpClient http;

    @BeforeAll
    static void start() throws IOException {
        cluster = EtchCluster.start(1);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() throws IOException {
        cluster.close();
    }

    @TestFactory
    Stream<DynamicTest> answersAsEtcdsGateway() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : resource("cases.tsv").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String name = f[0];
            tests.add(DynamicTest.dynamicTest(name, () -> {
                HttpResponse<String> r = http.send(request(f[1], f[2], f[3]), HttpResponse.BodyHandlers.ofString());
                assertMatchesGolden(name, r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
            }));
        }
        // The watch cases run last: their goldens were recorded after the whole sequence above.
        tests.add(DynamicTest.dynamicTest("watch_put", this::watchSeesPutMadeThroughTheGateway));
        tests.add(DynamicTest.dynamicTest("watch_compacted",
                () -> watch("watch_compacted", "{\"create_request\":{\"key\":\"Zm9v\",\"start_revision\":\"2\"}}", 2)));
        tests.add(DynamicTest.dynamicTest("watch_two_requests", this::twoWatchesInOneBody));
        tests.add(DynamicTest.dynamicTest("watch_bad_json", () -> {
            HttpResponse<String> r = http.send(request("POST", "/v3/watch", "{\"create_request\":{\"key\":\"!!\"}}"),
                    HttpResponse.BodyHandlers.ofString());
            assertMatchesGolden("watch_bad_json", r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
        }));
        // Last of all: it stops the member.
        tests.add(DynamicTest.dynamicTest("watch_server_stops", this::watchEndsWithAnErrorObjectWhenTheServerStops));
        return tests.stream();
    }

    /**
     * A stream that fails after it started ends with etcd's stream error object and no newline. The
     * message differs by nature: etcd's gateway loses its gRPC connection ("transport is closing"),
     * Etch's watch says "etcdserver: server stopped"; both are UNAVAILABLE.
     */
    private void watchEndsWithAnErrorObjectWhenTheServerStops() throws Exception {
        HttpResponse<Stream<String>> r = http.send(request("POST", "/v3/watch", "{\"create_request\":{\"key\":\"Zm9v\"}}"),
                HttpResponse.BodyHandlers.ofLines());
        StringBuilder body = new StringBuilder();
        try (Stream<String> lines = r.body()) {
            Iterator<String> it = lines.iterator();
            body.append(it.next()).append('\n');
            cluster.stop(0);
            body.append(it.next());
            assertThat(it.hasNext()).as("the stream ends after the error").isFalse();
        }
        assertMatchesGolden("watch_server_stops", r.statusCode(), r.headers().firstValue("content-type").orElse(""), body.toString());
    }

    /** A watch created through the gateway stays open after its body ends and gets the event of a put made through the gateway. */
    private void watchSeesPutMadeThroughTheGateway() throws Exception {
        HttpResponse<Stream<String>> r = http.send(request("POST", "/v3/watch", "{\"create_request\":{\"key\":\"Zm9v\"}}"),
                HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            Iterator<String> it = lines.iterator();
            StringBuilder body = new StringBuilder(it.next()).append('\n');
            HttpResponse<String> put = http.send(request("POST", "/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"cXV4\"}"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(200);
            body.append(it.next()).append('\n');
            assertMatchesGolden("watch_put", r.statusCode(), r.headers().firstValue("content-type").orElse(""), body.toString());
        }
    }

    /**
     * Two watches in one body (a bad third request is dropped). How the two watches' responses
     * interleave is up to timing, in etcd as here; each watch's own responses keep their order.
     */
    private void twoWatchesInOneBody() throws Exception {
        String body = "{\"create_request\":{\"key\":\"Zm9v\",\"start_revision\":\"4\"}} "
                + "{\"create_request\":{\"key\":\"ZA==\",\"start_revision\":\"4\",\"prev_kv\":true,\"watch_id\":\"7\"}} {bad";
        HttpResponse<Stream<String>> r = http.send(request("POST", "/v3/watch", body), HttpResponse.BodyHandlers.ofLines());
        List<String> got = new ArrayList<>();
        try (Stream<String> lines = r.body()) {
            Iterator<String> it = lines.iterator();
            for (int i = 0; i < 4; i++) {
                got.add(normalize("watch", it.next()));
            }
        }
        String[] golden = normalize("watch", resource("watch_two_requests.golden")).split("\n\n", 2);
        assertThat(r.statusCode() + " " + r.headers().firstValue("content-type").orElse(""))
                .isEqualTo(golden[0].replace("HTTP ", "").replace("\nContent-Type: ", " "));
        List<String> expected = List.of(golden[1].split("\n"));
        assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
        for (String watchId : List.of("0", "7")) {
            assertThat(got.stream().filter(l -> watchOf(l).equals(watchId)).toList())
                    .as("responses of watch %s, in order", watchId)
                    .containsExactlyElementsOf(expected.stream().filter(l -> watchOf(l).equals(watchId)).toList());
        }
    }

    private static final Pattern WATCH_ID = Pattern.compile("\"watch_id\":\"([0-9]+)\"");

    /** The watch a response belongs to ("watch_id" is left out when it is 0). */
    private static String watchOf(String line) {
        Matcher m = WATCH_ID.matcher(line);
        return m.find() ? m.group(1) : "0";
    }

    /** Reads the first {@code count} lines of a watch stream (it stays open) and compares them. */
    private void watch(String name, String requestBody, int count) throws Exception {
        HttpResponse<Stream<String>> r = http.send(request("POST", "/v3/watch", requestBody), HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = r.body()) {
            Iterator<String> it = lines.iterator();
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < count; i++) {
                body.append(it.next()).append('\n');
            }
            assertMatchesGolden(name, r.statusCode(), r.headers().firstValue("content-type").orElse(""), body.toString());
        }
    }

    private static HttpRequest request(String method, String path, String body) {
        HttpRequest.BodyPublisher publisher = body.isEmpty()
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        return HttpRequest.newBuilder(URI.create(cluster.endpoint(0) + path)).method(method, publisher).build();
    }

    private static void assertMatchesGolden(String name, int status, String contentType, String body) throws IOException {
        String actual = "HTTP " + status + "\n" + (contentType.isEmpty() ? "" : "Content-Type: " + contentType + "\n") + "\n" + body;
        assertThat(normalize(name, actual)).as(name).isEqualTo(normalize(name, resource(name + ".golden")));
    }

    private static final Pattern HEADER_IDS = Pattern.compile("\"(cluster_id|member_id|raft_term)\":\"[0-9]+\"");
    private static final Pattern MEMBER = Pattern.compile(
            "\"(ID|name|peerURLs|clientURLs)\":(\"[^\"]*\"|\\[[^\\]]*\\])");
    private static final Pattern STATUS = Pattern.compile(
            "\"(version|dbSize|dbSizeInUse|leader|raftIndex|raftTerm|raftAppliedIndex)\":\"[^\"]*\"");
    /** etcd 3.6's additions to StatusResponse: the golden comes from etcd 3.4, which has none. */
    private static final Pattern STATUS_36 = Pattern.compile(
            ",\"(storageVersion|dbSizeQuota)\":\"[^\"]*\"|,\"downgradeInfo\":\\{[^}]*\\}");
    private static final Pattern STREAM_ERROR_MESSAGE = Pattern.compile("(\\{\"error\":\\{\"grpc_code\":14,\"http_code\":503,\"message\":)\"[^\"]*\"");
    private static final Pattern REMAINING_TTL = Pattern.compile("\"TTL\":\"[1-9][0-9]*\"");

    /** Blanks out what legitimately differs between this member and the etcd the golden came from, and nothing else. */
    static String normalize(String name, String text) {
        String s = HEADER_IDS.matcher(text).replaceAll("\"$1\":\"*\"");
        if (name.startsWith("cluster_member_list")) {
            s = MEMBER.matcher(s).replaceAll("\"$1\":\"*\"");
        }
        if (name.equals("maintenance_status")) {
            s = STATUS.matcher(s).replaceAll("\"$1\":\"*\"");
            s = STATUS_36.matcher(s).replaceAll("");
        }
        if (name.equals("watch_server_stops")) {
            s = STREAM_ERROR_MESSAGE.matcher(s).replaceAll("$1\"*\"");
        }
        if (name.contains("timetolive")) {
            s = REMAINING_TTL.matcher(s).replaceAll("\"TTL\":\"*\""); // counts down by the second
        }
        return s;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = GatewayGoldenTest.class.getResourceAsStream("/gateway/" + name)) {
            assertThat(in).as("test resource gateway/" + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
