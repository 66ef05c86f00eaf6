package io.etch.api.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonScannerTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void findsTheEndOfTheFirstValueAndIgnoresWhatFollows() throws Exception {
        byte[] in = b("  {\"a\":[1,{\"b\":\"}\"}]} {\"c\":2}");
        assertThat(JsonScanner.valueEnd(in, 0, in.length, false)).isEqualTo(21);
        assertThat(JsonScanner.valueEnd(in, 21, in.length, false)).isEqualTo(in.length);
    }

    @Test
    void aValueCutShortNeedsMoreInputUntilTheBodyEnds() throws Exception {
        byte[] in = b("{\"a\":\"x");
        assertThat(JsonScanner.valueEnd(in, 0, in.length, false)).isEqualTo(-1);
        assertThatThrownBy(() -> JsonScanner.valueEnd(in, 0, in.length, true)).hasMessage("unexpected EOF");
        byte[] number = b("12");
        assertThat(JsonScanner.valueEnd(number, 0, number.length, false)).as("a number may go on").isEqualTo(-1);
        assertThat(JsonScanner.valueEnd(number, 0, number.length, true)).isEqualTo(2);
    }

    @Test
    void syntaxErrorsReadAsGosEncodingJson() {
        assertThatThrownBy(() -> JsonScanner.valueEnd(b("[1 2]"), 0, 5, true)).hasMessage("invalid character '2' after array element");
        assertThatThrownBy(() -> JsonScanner.valueEnd(b("tru "), 0, 4, true)).hasMessage("invalid character ' ' in literal true (expecting 'e')");
        assertThatThrownBy(() -> JsonScanner.valueEnd(b("{'a':1}"), 0, 7, true))
                .hasMessage("invalid character '\\'' looking for beginning of object key string");
        assertThatThrownBy(() -> JsonScanner.checkSingleValue(b("5x"))).hasMessage("invalid character 'x' after top-level value");
        assertThatThrownBy(() -> JsonScanner.checkSingleValue(b(""))).hasMessage("unexpected end of JSON input");
    }

    @Test
    void base64ErrorsNameTheByteAsGoDoes() throws Exception {
        GoTypeCheck.checkBase64(b("Zm9vYg=="));
        GoTypeCheck.checkBase64(b(""));
        assertThatThrownBy(() -> GoTypeCheck.checkBase64(b("Zm9vYg"))).hasMessage("illegal base64 data at input byte 4");
        assertThatThrownBy(() -> GoTypeCheck.checkBase64(b("Zm9vYg="))).hasMessage("illegal base64 data at input byte 7");
        assertThatThrownBy(() -> GoTypeCheck.checkBase64(b("Zm9v=g=="))).hasMessage("illegal base64 data at input byte 4");
        assertThatThrownBy(() -> GoTypeCheck.checkBase64(b("Zm9vYg==Zm"))).hasMessage("illegal base64 data at input byte 8");
    }
}
