package io.etch.api.gateway;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;

/**
 * Requests from JSON and responses to JSON as etcd's gateway writes them: proto field names,
 * bytes in base64, 64-bit integers as strings, enums by name, default values left out, no blanks.
 */
final class JsonCodec {

    /** A request body the gateway refuses, with the text etcd's gateway gives. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private static final JsonFormat.Printer PRINTER =
            JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private JsonCodec() {
    }

    /** One request from {@code body[from, to)}, which the scanner found to be one JSON value. */
    static Message decode(byte[] body, int from, int to, Message prototype) throws BadRequest {
        String text = new String(body, from, to - from, StandardCharsets.UTF_8);
        JsonElement tree = JsonParser.parseString(text);
        Message.Builder builder = prototype.newBuilderForType();
        if (tree.isJsonNull()) {
            return builder.build();
        }
        try {
            GoTypeCheck.checkMessage(tree, prototype.getDescriptorForType());
            PARSER.merge(text, builder);
        } catch (GoTypeCheck.Refused e) {
            throw new BadRequest(e.getMessage());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // what the Go check let through and protobuf still refuses (rare): protobuf's words
            throw new BadRequest(e.getMessage());
        }
        return builder.build();
    }

    static String encode(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // only Any fields with unknown types fail to print, and etcd's responses have none
            throw new IllegalStateException(e);
        }
    }

    /** A JSON string as Go's encoding/json writes it (it escapes <, > and & too). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
