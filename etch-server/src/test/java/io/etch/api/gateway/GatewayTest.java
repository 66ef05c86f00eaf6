package io.etch.api.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.testing.EtchCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Gateway behaviour beyond the recorded goldens, against a real member over HTTP/1.1. */
class GatewayTest {

    /** Routes whose services Etch does not have yet (Auth) or whose calls it does not implement yet. */

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

    @Test
    void snapshotStreamsTheFileAsResultLinesLikeEtcdsGateway() throws Exception {
        HttpResponse<String> r = post("/v3/maintenance/snapshot", "{}");
        assertThat(r.statusCode()).isEqualTo(200);
        String[] lines = r.body().strip().split("\n");
        assertThat(lines.length).as("pieces, then the SHA-256").isGreaterThanOrEqualTo(2);
        for (String line : lines) {
            assertThat(line).startsWith("{\"result\":{").contains("\"blob\":\"");
        }
        assertThat(lines[lines.length - 1]).doesNotContain("remaining_bytes");
    }

    @Test
    void defragmentHashAndDowngradeAnswerAsEtcdsGateway() throws Exception {
        HttpResponse<String> defrag = post("/v3/maintenance/defragment", "{}");
        assertThat(defrag.statusCode()).isEqualTo(200);
        assertThat(defrag.body()).isEqualTo("{}");
        HttpResponse<String> hash = post("/v3/maintenance/hash", "{}");
        assertThat(hash.statusCode()).isEqualTo(200);
        assertThat(hash.body()).matches("\\{\"header\":\\{.*\"revision\":\"\\d+\".*\\},\"hash\":\\d+\\}");
        HttpResponse<String> downgrade = post("/v3/maintenance/downgrade", "{\"version\":\"3.4\"}");
        assertThat(downgrade.statusCode()).isEqualTo(400);
        assertThat(downgrade.body()).isEqualTo("{\"error\":\"etcdserver: invalid downgrade target version\","
                + "\"message\":\"etcdserver: invalid downgrade target version\",\"code\":3}");
    }

    @Test
    void transferLeadershipToNoMemberIsRefusedAsEtcdsGatewayAnswers() throws Exception {
        HttpResponse<String> r = post("/v3/maintenance/transfer-leadership", "{}");
        assertThat(r.statusCode()).isEqualTo(412);
        assertThat(r.body()).isEqualTo(
                "{\"error\":\"etcdserver: bad leader transferee\",\"message\":\"etcdserver: bad leader transferee\",\"code\":9}");
    }

    @Test
    void membershipCallsAnswerWithEtcdsErrors() throws Exception {
        HttpResponse<String> add = post("/v3/cluster/member/add", "{}");
        assertThat(add.statusCode()).isEqualTo(400);
        assertThat(add.body()).isEqualTo("{\"error\":\"etcdserver: given member URLs are invalid\","
                + "\"message\":\"etcdserver: given member URLs are invalid\",\"code\":3}");
        // As etcd, until every member has published itself after the start, a removal is refused
        // with "not enough started members" (412) before the id is looked up.
        HttpResponse<String> remove = post("/v3/cluster/member/remove", "{\"ID\":\"1234\"}");
        for (int i = 0; i < 100 && remove.statusCode() == 412 && remove.body().contains("not enough started members"); i++) {
            Thread.sleep(100);
            remove = post("/v3/cluster/member/remove", "{\"ID\":\"1234\"}");
        }
        assertThat(remove.statusCode()).isEqualTo(404);
        assertThat(remove.body()).isEqualTo("{\"error\":\"etcdserver: member not found\","
                + "\"message\":\"etcdserver: member not found\",\"code\":5}");
    }

    @Test
    void lockAndElectionAnswerThroughTheGateway() throws Exception {
        // "gw-lock" and "gw-elect" in base64; a lock without a lease gets a session lease of its own.
        HttpResponse<String> lock = post("/v3/lock", "{\"name\":\"Z3ctbG9jaw==\"}");
        assertThat(lock.statusCode()).isEqualTo(200);
        // The key is NAME/ plus the lease in hex; its base64 after "gw-lock" depends on the lease's first digit.
        java.util.regex.Matcher key = java.util.regex.Pattern.compile("\"key\":\"([^\"]+)\"").matcher(lock.body());
        assertThat(key.find()).as(lock.body()).isTrue();
        assertThat(new String(java.util.Base64.getDecoder().decode(key.group(1)), java.nio.charset.StandardCharsets.UTF_8))
                .matches("gw-lock/[0-9a-f]+");
        HttpResponse<String> noLeader = post("/v3/election/leader", "{\"name\":\"Z3ctZWxlY3Q=\"}");
        assertThat(noLeader.statusCode()).isEqualTo(500);
        assertThat(noLeader.body()).isEqualTo(
                "{\"error\":\"election: no leader\",\"message\":\"election: no leader\",\"code\":2}");
        HttpResponse<String> missing = post("/v3beta/election/proclaim", "{\"value\":\"dg==\"}");
        assertThat(missing.body()).isEqualTo("{\"error\":\"\\\"leader\\\" field must be provided\","
                + "\"message\":\"\\\"leader\\\" field must be provided\",\"code\":2}");
    }

    @Test
    void refusedRequestsWriteNothing() throws Exception {
        assertThat(post("/v3/kv/put", "{\"key\":\"cmVm\",\"value\":\"MQ==\"}").statusCode()).isEqualTo(200);
        long revision = cluster.member(0).server().currentRevision();
        List<String> refused = List.of(
                "{\"key\":\"cmVm\",\"value\":\"Mg\"}",          // bad base64
                "{\"key\":\"cmVm\",\"value\":\"Mg==\"",         // cut short
                "{\"key\":\"cmVm\",\"value\":\"Mg==\",\"lease\":true}", // wrong type
                "{\"key\":\"\",\"value\":\"Mg==\"}");           // no key (refused by the service)
        for (String body : refused) {
            assertThat(post("/v3/kv/put", body).statusCode()).as(body).isEqualTo(400);
        }
        assertThat(cluster.member(0).server().currentRevision()).isEqualTo(revision);
        assertThat(post("/v3/kv/range", "{\"key\":\"cmVm\"}").body()).contains("\"value\":\"MQ==\"");
    }

    @Test
    void anOpenWatchBodyTakesMoreRequestsWhileEventsStreamBack() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", cluster.clientPort(0))) {
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.write(("POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            chunk(out, "{\"create_request\":{\"key\":\"b3Blbg==\",\"watch_id\":\"3\"}}\n");
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(nextJsonLine(in)).contains("\"watch_id\":\"3\",\"created\":true");

            // a second request on the same, still open, body; split across two chunks
            chunk(out, "{\"create_request\":{\"key\":\"b3Blbg==\",");
            chunk(out, "\"watch_id\":\"4\"}}");
            assertThat(nextJsonLine(in)).contains("\"watch_id\":\"4\",\"created\":true");

            assertThat(post("/v3/kv/put", "{\"key\":\"b3Blbg==\",\"value\":\"MQ==\"}").statusCode()).isEqualTo(200);
            String first = nextJsonLine(in);
            String second = nextJsonLine(in);
            assertThat(List.of(first, second)).allMatch(l -> l.contains("\"events\":[{\"kv\":{\"key\":\"b3Blbg==\""));
            assertThat(List.of(first, second)).anyMatch(l -> l.contains("\"watch_id\":\"3\""))
                    .anyMatch(l -> l.contains("\"watch_id\":\"4\""));
        }
    }

    @Test
    void unknownPathsOutsideTheGatewayStillGetTheHttpEndpointsAnswer() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cluster.endpoint(0) + "/v3")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("404 page not found\n");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(cluster.endpoint(0) + "/version")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("etcdserver");
    }

    private static void chunk(OutputStream out, String data) throws IOException {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The next line of a chunked answer that is a JSON object (skipping headers and chunk sizes: the gateway writes one line per chunk). */
    private static String nextJsonLine(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            assertThat(line).as("stream ended").isNotNull();
        } while (!line.startsWith("{"));
        return line;
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(cluster.endpoint(0) + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
