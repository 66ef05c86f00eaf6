package io.etch.ctl;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Go's encoding/json output of etcd's generated (gogoproto) structs, which is what etcdctl's
 * {@code -w json} prints: fields in declaration order under their .proto names, zero values left
 * out, 64-bit integers as numbers, enums as numbers, bytes in base64, a oneof as an object under
 * its Go field name.
 */
final class GoJson {
    private final StringBuilder b = new StringBuilder();

    static String of(Message m) {
        GoJson j = new GoJson();
        j.message(m);
        return j.toString();
    }

    @Override
    public String toString() {
        return b.toString();
    }

    GoJson raw(String s) {
        b.append(s);
        return this;
    }

    GoJson message(Message m) {
        b.append('{');
        fields(m, true);
        b.append('}');
        return this;
    }

    /** The fields of m without braces (for Go's embedded structs); returns whether any was written. */
    boolean fields(Message m, boolean first) {
        Set<OneofDescriptor> seen = new HashSet<>();
        for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
            OneofDescriptor oneof = f.getRealContainingOneof();
            if (oneof != null) {
                if (!seen.add(oneof)) {
                    continue;
                }
                if (!first) {
                    b.append(',');
                }
                first = false;
                string(goName(oneof.getName()));
                b.append(':');
                FieldDescriptor set = m.getOneofFieldDescriptor(oneof);
                if (set == null) {
                    b.append("null");
                } else {
                    b.append('{');
                    string(set.getName());
                    b.append(':');
                    value(set, m.getField(set));
                    b.append('}');
                }
                continue;
            }
            if (f.isRepeated()) {
                if (m.getRepeatedFieldCount(f) == 0) {
                    continue;
                }
            } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (!m.hasField(f)) {
                    continue;
                }
            } else if (isZero(f, m.getField(f))) {
                continue;
            }
            if (!first) {
                b.append(',');
            }
            first = false;
            string(f.getName());
            b.append(':');
            if (f.isRepeated()) {
                b.append('[');
                List<?> list = (List<?>) m.getField(f);
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    value(f, list.get(i));
                }
                b.append(']');
            } else {
                value(f, m.getField(f));
            }
        }
        return !first;
    }

    private static String goName(String protoName) {
        StringBuilder s = new StringBuilder();
        boolean up = true;
        for (char c : protoName.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                s.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return s.toString();
    }

    private static boolean isZero(FieldDescriptor f, Object v) {
        return switch (f.getJavaType()) {
            case INT, LONG -> ((Number) v).longValue() == 0;
            case FLOAT, DOUBLE -> ((Number) v).doubleValue() == 0;
            case BOOLEAN -> !((Boolean) v);
            case STRING -> ((String) v).isEmpty();
            case BYTE_STRING -> ((ByteString) v).isEmpty();
            case ENUM -> ((com.google.protobuf.Descriptors.EnumValueDescriptor) v).getNumber() == 0;
            case MESSAGE -> false;
        };
    }

    private void value(FieldDescriptor f, Object v) {
        switch (f.getJavaType()) {
            case INT -> b.append(f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32
                ? Integer.toUnsignedString((Integer) v) : v.toString());
            case LONG -> b.append(f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64
                ? Long.toUnsignedString((Long) v) : v.toString());
            case BOOLEAN, FLOAT, DOUBLE -> b.append(v);
            case STRING -> string((String) v);
            case BYTE_STRING -> bytes(((ByteString) v).toByteArray());
            case ENUM -> b.append(((com.google.protobuf.Descriptors.EnumValueDescriptor) v).getNumber());
            case MESSAGE -> message((Message) v);
        }
    }

    GoJson bytes(byte[] v) {
        b.append('"').append(Base64.getEncoder().encodeToString(v)).append('"');
        return this;
    }

    GoJson string(String s) {
        return stringBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A Go string as encoding/json writes it (HTML-safe, invalid UTF-8 as U+FFFD). */
    GoJson stringBytes(byte[] bytes) {
        String s = Go.text(bytes);
        b.append('"');
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
        b.append('"');
        return this;
    }
}
