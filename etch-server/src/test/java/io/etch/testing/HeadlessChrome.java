package io.etch.testing;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real headless Chromium driven over the DevTools protocol: load a page, run JavaScript in it
 * (to click, type and read the DOM as a user's actions would), take screenshots.
 */
public final class HeadlessChrome implements AutoCloseable {

    private static final List<Path> BINARIES = List.of(
            Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"), Path.of("/usr/bin/google-chrome"));
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://[^/]+)/\\S+");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

    private HeadlessChrome(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The browser binary, or null when none is installed (Debian: apt-get install chromium). */
    public static Path binary() {
        return BINARIES.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    public static HeadlessChrome start() throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("etch-chrome");
        // --no-sandbox: Chromium refuses to run as root with its sandbox (test machines often are root).
        Process p = new ProcessBuilder(binary().toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--window-size=1280,900",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            String origin = devtoolsOrigin(p);
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            for (int attempt = 0; attempt < 100 && pageSocket == null; attempt++) {
                String list = http.send(HttpRequest.newBuilder(URI.create(origin.replace("ws://", "http://") + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (JsonElement target : JsonParser.parseString(list).getAsJsonArray()) {
                    JsonObject t = target.getAsJsonObject();
                    if ("page".equals(t.get("type").getAsString())) {
                        pageSocket = t.get("webSocketDebuggerUrl").getAsString();
                    }
                }
                if (pageSocket == null) {
                    Thread.sleep(100);
                }
            }
            if (pageSocket == null) {
                throw new IOException("Chromium opened no page");
            }
            HeadlessChrome[] self = new HeadlessChrome[1];
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                private final StringBuilder frame = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                    frame.append(data);
                    if (last) {
                        String message = frame.toString();
                        frame.setLength(0);
                        self[0].received(message);
                    }
                    webSocket.request(1);
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            self[0] = new HeadlessChrome(p, profile, ws);
            self[0].send("Page.enable", new JsonObject());
            self[0].send("Runtime.enable", new JsonObject());
            return self[0];
        } catch (Exception e) {
            p.destroyForcibly();
            deleteTree(profile);
            throw e instanceof IOException io ? io : new IOException("cannot drive Chromium", e);
        }
    }

    private static String devtoolsOrigin(Process p) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = err.readLine(); line != null; line = err.readLine()) {
            Matcher m = DEVTOOLS.matcher(line);
            if (m.find()) {
                // Keep draining, or a chatty browser blocks on a full pipe.
                Thread drain = new Thread(() -> {
                    try {
                        err.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException ignored) {
                        // the browser went away
                    }
                }, "chromium-stderr");
                drain.setDaemon(true);
                drain.start();
                return m.group(1);
            }
            seen.append(line).append('\n');
        }
        throw new IOException("Chromium ended before it listened for DevTools:\n" + seen);
    }

    private void received(String message) {
        JsonObject m = JsonParser.parseString(message).getAsJsonObject();
        if (m.has("id")) {
            CompletableFuture<JsonObject> f = pending.remove(m.get("id").getAsInt());
            if (f != null) {
                f.complete(m);
            }
        }
    }

    /** One DevTools command; its result, or an exception with the protocol's error. */
    public JsonObject send(String method, JsonObject params) {
        int id = ids.incrementAndGet();
        JsonObject command = new JsonObject();
        command.addProperty("id", id);
        command.addProperty("method", method);
        command.add("params", params);
        CompletableFuture<JsonObject> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(command.toString(), true).join();
        JsonObject reply;
        try {
            reply = answer.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + " got no answer", e);
        }
        if (reply.has("error")) {
            throw new IllegalStateException(method + ": " + reply.get("error"));
        }
        return reply.getAsJsonObject("result");
    }

    public void navigate(String url) throws InterruptedException {
        JsonObject params = new JsonObject();
        params.addProperty("url", url);
        send("Page.navigate", params);
        waitFor("document.readyState === 'complete' && location.href.startsWith(" + quote(url) + ")", Duration.ofSeconds(30));
    }

    /** Runs {@code expression} in the page (promises awaited) and returns its value as JSON. */
    public JsonElement eval(String expression) {
        JsonObject params = new JsonObject();
        params.addProperty("expression", expression);
        params.addProperty("awaitPromise", true);
        params.addProperty("returnByValue", true);
        JsonObject r = send("Runtime.evaluate", params);
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("page script failed: " + r.get("exceptionDetails") + "\nscript: " + expression);
        }
        JsonObject result = r.getAsJsonObject("result");
        return result.has("value") ? result.get("value") : null;
    }

    public String text(String selector) {
        JsonElement v = eval("(document.querySelector(" + quote(selector) + ") || {}).textContent || ''");
        return v == null ? "" : v.getAsString();
    }

    /** Waits until {@code condition} (a JavaScript expression) is true in the page. */
    public void waitFor(String condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonElement v = eval("!!(" + condition + ")");
            if (v != null && v.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not true in the page within " + timeout + ": " + condition
                        + "\nerror shown: " + text("#error"));
            }
            Thread.sleep(100);
        }
    }

    /** Clicks an element as a user would (the element's own click, events bubbling). */
    public void click(String selector) {
        eval("document.querySelector(" + quote(selector) + ").click()");
    }

    /** Types into a field: sets its value and fires the input event. */
    public void type(String selector, String value) {
        eval("(() => { const e = document.querySelector(" + quote(selector) + "); e.value = " + quote(value)
                + "; e.dispatchEvent(new Event('input', {bubbles: true})); })()");
    }

    public void screenshot(Path file) throws IOException {
        JsonObject params = new JsonObject();
        params.addProperty("format", "png");
        String data = send("Page.captureScreenshot", params).get("data").getAsString();
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(data));
    }

    public static String quote(String s) {
        JsonObject o = new JsonObject();
        o.addProperty("s", s);
        return o.get("s").toString();
    }

    @Override
    public void close() {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(profile);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind
        }
    }
}
