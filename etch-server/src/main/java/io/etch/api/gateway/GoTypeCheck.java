package io.etch.api.gateway;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Checks a parsed request against its message type the way etcd's gateway (Go's jsonpb over
 * encoding/json) does, so a wrong type or bad base64 is refused with the text Go gives, e.g.
 * "json: cannot unmarshal number into Go value of type []uint8" or "illegal base64 data at input
 * byte 2". Unknown fields are ignored, as etcd's gateway ignores them.
 */
final class GoTypeCheck {

    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xffffffffL);

    /** A value Go would refuse, with Go's text. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private GoTypeCheck() {
    }

    static void checkMessage(JsonElement value, Descriptor type) throws Refused {
        if (value.isJsonNull()) {
            return;
        }
        if (!value.isJsonObject()) {
            throw cannotUnmarshal(value, "map[string]json.RawMessage");
        }
        JsonObject object = value.getAsJsonObject();
        // Go walks the fields of the message in declaration order and stops at the first error.
        for (FieldDescriptor field : type.getFields()) {
            JsonElement v = member(object, field);
            if (v != null && !v.isJsonNull()) {
                checkField(v, field);
            }
        }
    }

    private static JsonElement member(JsonObject object, FieldDescriptor field) {
        JsonElement v = object.get(field.getName());
        return v != null ? v : object.get(field.getJsonName());
    }

    private static void checkField(JsonElement value, FieldDescriptor field) throws Refused {
        if (field.isRepeated()) {
            if (!value.isJsonArray()) {
                throw cannotUnmarshal(value, "[]json.RawMessage");
            }
            JsonArray array = value.getAsJsonArray();
            for (JsonElement item : array) {
                if (!item.isJsonNull()) {
                    checkSingle(item, field);
                }
            }
        } else {
            checkSingle(value, field);
        }
    }

    private static void checkSingle(JsonElement value, FieldDescriptor field) throws Refused {
        switch (field.getJavaType()) {
            case MESSAGE -> checkMessage(value, field.getMessageType());
            case BYTE_STRING -> {
                if (!isString(value)) {
                    throw cannotUnmarshal(value, "[]uint8");
                }
                checkBase64(value.getAsString().getBytes(StandardCharsets.UTF_8));
            }
            case BOOLEAN -> {
                if (!(value.isJsonPrimitive() && value.getAsJsonPrimitive().isBoolean())) {
                    throw cannotUnmarshal(value, "bool");
                }
            }
            case STRING -> {
                if (!isString(value)) {
                    throw cannotUnmarshal(value, "string");
                }
            }
            case ENUM -> checkEnum(value, field.getEnumType());
            case LONG, INT -> checkInteger(value, field);
            case FLOAT, DOUBLE -> {
                // float and double: no etcd request has one
            }
        }
    }

    private static void checkEnum(JsonElement value, EnumDescriptor type) throws Refused {
        if (isString(value)) {
            String name = value.getAsString();
            if (type.findValueByName(name) == null) {
                throw new Refused("unknown value \"" + name + "\" for enum " + goName(type));
            }
        } else if (!(value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber())) {
            throw cannotUnmarshal(value, goName(type));
        }
    }

    /** Go's jsonpb drops the quotes of a quoted integer and hands the rest to json.Unmarshal. */
    private static void checkInteger(JsonElement value, FieldDescriptor field) throws Refused {
        String goType = switch (field.getType()) {
            case INT64, SINT64, SFIXED64 -> "int64";
            case UINT64, FIXED64 -> "uint64";
            case UINT32, FIXED32 -> "uint32";
            default -> "int32";
        };
        if (!value.isJsonPrimitive() || value.getAsJsonPrimitive().isBoolean()) {
            throw cannotUnmarshal(value, goType);
        }
        String text = value.getAsString();
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        try {
            JsonScanner.checkSingleValue(raw);
        } catch (JsonScanner.SyntaxError e) {
            throw new Refused(e.getMessage());
        }
        String trimmed = text.strip();
        switch (trimmed.charAt(0)) {
            case '"' -> throw new Refused("json: cannot unmarshal string into Go value of type " + goType);
            case 't', 'f' -> throw new Refused("json: cannot unmarshal bool into Go value of type " + goType);
            case '{' -> throw new Refused("json: cannot unmarshal object into Go value of type " + goType);
            case '[' -> throw new Refused("json: cannot unmarshal array into Go value of type " + goType);
            case 'n' -> {
                return;
            }
            default -> {
                // a number: it must be an integer that fits
            }
        }
        boolean fits;
        if (!trimmed.matches("-?[0-9]+")) {
            fits = false;
        } else {
            BigInteger n = new BigInteger(trimmed);
            fits = switch (goType) {
                case "int64" -> n.compareTo(INT64_MIN) >= 0 && n.compareTo(INT64_MAX) <= 0;
                case "uint64" -> n.signum() >= 0 && n.compareTo(UINT64_MAX) <= 0;
                case "uint32" -> n.signum() >= 0 && n.compareTo(UINT32_MAX) <= 0;
                default -> n.compareTo(INT32_MIN) >= 0 && n.compareTo(INT32_MAX) <= 0;
            };
        }
        if (!fits) {
            throw new Refused("json: cannot unmarshal number " + trimmed + " into Go value of type " + goType);
        }
    }

    /** Go's base64.StdEncoding.Decode: padding required, line breaks skipped, the offending byte named. */
    static void checkBase64(byte[] s) throws Refused {
        int si = 0;
        while (true) {
            int j = 0;
            while (j < 4) {
                if (si == s.length) {
                    if (j == 0) {
                        return;
                    }
                    throw illegalBase64(si - j);
                }
                int c = s[si++] & 0xff;
                if (c == '\n' || c == '\r') {
                    continue;
                }
                if (c == '=') {
                    if (j < 2) {
                        throw illegalBase64(si - 1);
                    }
                    if (j == 2) {
                        si = skipLineBreaks(s, si);
                        if (si == s.length) {
                            throw illegalBase64(s.length);
                        }
                        if (s[si] != '=') {
                            throw illegalBase64(si - 1);
                        }
                        si++;
                    }
                    si = skipLineBreaks(s, si);
                    if (si < s.length) {
                        throw illegalBase64(si);
                    }
                    return;
                }
                if (!isBase64(c)) {
                    throw illegalBase64(si - 1);
                }
                j++;
            }
        }
    }

    private static int skipLineBreaks(byte[] s, int si) {
        while (si < s.length && (s[si] == '\n' || s[si] == '\r')) {
            si++;
        }
        return si;
    }

    private static boolean isBase64(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    }

    private static Refused illegalBase64(int at) {
        return new Refused("illegal base64 data at input byte " + at);
    }

    private static boolean isString(JsonElement value) {
        return value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
    }

    private static Refused cannotUnmarshal(JsonElement value, String goType) {
        return new Refused("json: cannot unmarshal " + kind(value) + " into Go value of type " + goType);
    }

    private static String kind(JsonElement value) {
        if (value.isJsonObject()) {
            return "object";
        }
        if (value.isJsonArray()) {
            return "array";
        }
        JsonPrimitive p = value.getAsJsonPrimitive();
        return p.isBoolean() ? "bool" : p.isNumber() ? "number" : "string";
    }

    /** The name protoc-gen-go gives an enum: package, then the nesting joined with '_'. */
    private static String goName(EnumDescriptor type) {
        String pkg = type.getFile().getPackage();
        String rest = type.getFullName().substring(pkg.isEmpty() ? 0 : pkg.length() + 1);
        return (pkg.isEmpty() ? "" : pkg + ".") + rest.replace('.', '_');
    }
}
