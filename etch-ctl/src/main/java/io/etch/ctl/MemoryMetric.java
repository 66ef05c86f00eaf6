package io.etch.ctl;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads a member's resident memory from its /metrics page, as check datascale does. */
final class MemoryMetric {
    private static final String KEY = "process_resident_memory_bytes";

    private MemoryMetric() {
    }

    /** The metric's value, or 0 after printing etcdctl's complaint when it cannot be read. */
    static double residentBytes(String endpoint, Client.Config cfg, PrintStream out) {
        String host = endpoint.startsWith("http://") || endpoint.startsWith("https://") ? endpoint : "http://" + endpoint;
        String url = host + "/metrics";
        String body;
        try {
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofNanos(cfg.dialTimeoutNanos()));
            if (url.startsWith("https://")) {
                SslContextBuilder ssl = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
                if (cfg.insecureSkipVerify()) {
                    ssl.trustManager(InsecureTrustManagerFactory.INSTANCE);
                } else if (cfg.cacert() != null) {
                    ssl.trustManager(new File(cfg.cacert()));
                }
                if (cfg.cert() != null && cfg.key() != null) {
                    ssl.keyManager(new File(cfg.cert()), new File(cfg.key()));
                }
                b.sslContext(((JdkSslContext) ssl.build()).context());
            }
            HttpResponse<String> r = b.build().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofNanos(cfg.commandTimeoutNanos())).build(),
                HttpResponse.BodyHandlers.ofString());
            body = r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("fetch error: interrupted");
            return 0;
        } catch (Exception e) {
            out.println("fetch error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 0;
        }
        for (String line : body.split("\n")) {
            if (line.startsWith(KEY)) {
                String value = line.substring(KEY.length()).strip();
                try {
                    return Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    out.println("parse error: strconv.ParseFloat: parsing " + Go.quote(value) + ": invalid syntax");
                    return 0;
                }
            }
        }
        out.println("could not find: " + KEY);
        return 0;
    }
}
