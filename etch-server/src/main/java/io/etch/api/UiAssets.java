package io.etch.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The built-in web UI's files, served from the jar under /ui/. The UI is a client of the JSON
 * gateway and of /metrics on the same port; it needs nothing from outside.
 */
final class UiAssets {

    /** The files there are, with their content types: nothing else is served from the class path. */
    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8");

    /** A file to send: its bytes and content type. */
    record Asset(byte[] bytes, String contentType) {
    }

    private UiAssets() {
    }

    /** The file for a path under /ui/ ("" is the page itself), or null. */
    static Asset find(String name) {
        String file = name.isEmpty() ? "index.html" : name;
        String type = FILES.get(file);
        if (type == null) {
            return null;
        }
        try (InputStream in = UiAssets.class.getResourceAsStream("/io/etch/ui/" + file)) {
            if (in == null) {
                return null;
            }
            return new Asset(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
