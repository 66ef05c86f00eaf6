package io.etch.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.testing.EtchCluster;
import io.etch.testing.HeadlessChrome;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import io.etch.api.etcdserverpb.AuthEnableRequest;
import io.etch.api.etcdserverpb.AuthGrpc;
import io.etch.api.etcdserverpb.AuthUserAddRequest;
import io.etch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.etch.api.etcdserverpb.AuthenticateRequest;
import io.etch.auth.SimpleTokens;
import io.etch.server.ServerSettings;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in web UI in a real headless Chromium against a real member: what a user does with it,
 * checked in the store through a gRPC client. Screenshots of each view go to target/ui-screenshots.
 */
class WebUiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SHOTS = Path.of("target", "ui-screenshots");

    @Test
    void browseEditWatchAndInspectAClusterFromTheBrowser() throws Exception {
        assumeTrue(HeadlessChrome.binary() != null, "needs Chromium (apt-get install chromium; .ci/run installs it)");
        try (EtchCluster cluster = EtchCluster.start(1);
             HeadlessChrome chrome = HeadlessChrome.start()) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            try {
                KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
                kv.put(PutRequest.newBuilder().setKey(bs("/services/api/addr")).setValue(bs("10.0.0.1:80")).build());

                chrome.navigate(cluster.endpoint(0) + "/ui");
                chrome.waitFor("document.querySelector('#status').textContent.includes('leader')", WAIT);
                chrome.waitFor("[...document.querySelectorAll('#tree li')].some(li => li.textContent.startsWith('/services/'))", WAIT);

                // Create a key from the form: it is in the store, and opens.
                chrome.type("#new-key", "/app/config");
                chrome.type("#new-value", "{\"replicas\":1}");
                chrome.click("#create");
                chrome.waitFor("document.querySelector('#key-name').textContent === '/app/config'", WAIT);
                assertThat(value(kv, "/app/config")).isEqualTo("{\"replicas\":1}");
                chrome.click("input[name=mode][value=json]");
                assertThat(chrome.text("#value-view")).isEqualTo("{\n  \"replicas\": 1\n}");
                chrome.screenshot(SHOTS.resolve("keys.png"));

                // Edit it: a second version, two history rows, their diff.
                chrome.type("#value-editor", "{\"replicas\":3}");
                chrome.click("#save");
                chrome.waitFor("document.querySelector('#key-meta').textContent.includes('version 2')", WAIT);
                assertThat(value(kv, "/app/config")).isEqualTo("{\"replicas\":3}");
                chrome.waitFor("document.querySelectorAll('#history tbody tr').length === 2", WAIT);
                chrome.click("#history tbody tr:nth-child(1) input");
                chrome.click("#history tbody tr:nth-child(2) input");
                chrome.click("#diff");
                assertThat(chrome.text("#diff-view")).contains("- {\"replicas\":1}").contains("+ {\"replicas\":3}");
                chrome.screenshot(SHOTS.resolve("history-diff.png"));

                // Watch a prefix: a write from another client shows up live.
                chrome.click("#tabs button[data-tab=watch]");
                chrome.type("#watch-prefix", "/app/");
                chrome.click("#watch-start");
                chrome.waitFor("document.querySelector('#watch-state').textContent.startsWith('watching from')", WAIT);
                kv.put(PutRequest.newBuilder().setKey(bs("/app/feature")).setValue(bs("on")).build());
                chrome.waitFor("[...document.querySelectorAll('#watch-events tbody tr')].some(r => r.textContent.includes('/app/feature'))", WAIT);
                chrome.screenshot(SHOTS.resolve("watch.png"));
                chrome.click("#watch-stop");

                // Delete from the key view (a second click confirms).
                chrome.click("#tabs button[data-tab=keys]");
                chrome.waitFor("[...document.querySelectorAll('#tree li')].some(li => li.textContent.startsWith('/app/'))", WAIT);
                chrome.eval("openKey(utf8.encode('/app/config'))");
                chrome.waitFor("!document.querySelector('#key-detail').hidden", WAIT);
                chrome.click("#delete");
                chrome.click("#delete");
                chrome.waitFor("document.querySelector('#key-empty').textContent.includes('deleted')", WAIT);
                assertThat(kv.range(RangeRequest.newBuilder().setKey(bs("/app/config")).build()).getCount()).isZero();

                // Leases: grant one from the page; it is listed with its TTL.
                chrome.click("#tabs button[data-tab=leases]");
                chrome.type("#grant-ttl", "120");
                chrome.eval("document.querySelector('#grant-form').requestSubmit()");
                chrome.waitFor("document.querySelectorAll('#leases tbody tr').length === 1", WAIT);
                assertThat(chrome.text("#leases tbody tr td:nth-child(3)")).isEqualTo("120");

                // Cluster: the one member, leading; its raft index and db size.
                chrome.click("#tabs button[data-tab=cluster]");
                chrome.waitFor("document.querySelectorAll('#members tbody tr').length === 1", WAIT);
                assertThat(chrome.text("#members tbody tr")).contains(Long.toHexString(cluster.memberId(0))).contains("leader");
                assertThat(chrome.text("#member-status")).contains("raft index").contains("db size");
                chrome.screenshot(SHOTS.resolve("cluster.png"));

                // Charts fill from /metrics.
                chrome.click("#tabs button[data-tab=charts]");
                chrome.waitFor("series.rate.length >= 2 && series.watchers.length >= 2", WAIT);
                chrome.screenshot(SHOTS.resolve("charts.png"));
                assertThat(chrome.text("#error")).isEmpty();
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void withAuthOnTheUiAsksForALoginAndShowsOnlyWhatTheUserMayRead() throws Exception {
        assumeTrue(HeadlessChrome.binary() != null, "needs Chromium (apt-get install chromium; .ci/run installs it)");
        ServerSettings.Auth auth = new ServerSettings.Auth(() -> new SimpleTokens(300, System::nanoTime), 4, false);
        try (EtchCluster cluster = EtchCluster.startWithAuth(1, auth);
             HeadlessChrome chrome = HeadlessChrome.start()) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(0)).usePlaintext().build();
            try {
                AuthGrpc.AuthBlockingStub a = AuthGrpc.newBlockingStub(channel);
                a.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
                a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
                a.authEnable(AuthEnableRequest.getDefaultInstance());
                String token = a.authenticate(AuthenticateRequest.newBuilder().setName("root").setPassword("rootpw").build()).getToken();
                Metadata m = new Metadata();
                m.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
                KVGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
                        .put(PutRequest.newBuilder().setKey(bs("/secret/a")).setValue(bs("1")).build());

                chrome.navigate(cluster.endpoint(0) + "/ui");
                // nothing is shown without credentials: the gateway answers "user name is empty" and the UI asks
                chrome.waitFor("document.querySelector('#login').open", WAIT);
                assertThat(chrome.eval("[...document.querySelectorAll('#tree li')].some(li => li.textContent.startsWith('/secret/'))")
                        .getAsBoolean()).isFalse();
                chrome.type("#login-name", "root");
                chrome.type("#login-password", "rootpw");
                chrome.eval("document.querySelector('#login-form').requestSubmit()");
                chrome.waitFor("[...document.querySelectorAll('#tree li')].some(li => li.textContent.startsWith('/secret/'))", WAIT);
                chrome.screenshot(SHOTS.resolve("login.png"));
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void theUiAndTheGatewayCanBeTurnedOff() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (EtchCluster on = EtchCluster.start(1)) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(on.endpoint(0) + "/ui/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).contains("text/html; charset=utf-8");
            assertThat(page.body()).contains("<script src=\"app.js\">");
            HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create(on.endpoint(0) + "/ui/../pom.xml")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(404);
        }
        try (EtchCluster off = EtchCluster.startWithoutGatewayAndUi(1)) {
            for (String path : List.of("/ui/", "/ui/app.js")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(off.endpoint(0) + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path).isEqualTo(404);
            }
            HttpResponse<String> range = http.send(HttpRequest.newBuilder(URI.create(off.endpoint(0) + "/v3/kv/range"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(range.statusCode()).isEqualTo(404);
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(off.endpoint(0) + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
        }
    }

    private static String value(KVGrpc.KVBlockingStub kv, String key) {
        RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(bs(key)).build());
        assertThat(r.getKvsCount()).as(key).isEqualTo(1);
        return r.getKvs(0).getValue().toStringUtf8();
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
