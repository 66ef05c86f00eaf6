package io.etch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InitialClusterTest {
    @Test
    void parsesNamesInOrderWithRepeatedNames() throws Exception {
        InitialCluster c = InitialCluster.parse(
                "b=http://127.0.0.1:22380,a=http://127.0.0.1:2380,b=http://127.0.0.1:12380");
        assertThat(c.names()).containsExactly("b", "a");
        assertThat(c.peerUrls("b")).containsExactly("http://127.0.0.1:12380", "http://127.0.0.1:22380");
        assertThat(c.peerUrls("a")).containsExactly("http://127.0.0.1:2380");
        assertThat(c.peerUrls("zz")).isEmpty();
        assertThat(c.size()).isEqualTo(2);
        assertThat(c.toString())
                .isEqualTo("a=http://127.0.0.1:2380,b=http://127.0.0.1:12380,b=http://127.0.0.1:22380");
    }

    @Test
    void emptyTextAndEmptyEntries() throws Exception {
        assertThat(InitialCluster.parse("").isEmpty()).isTrue();
        assertThat(InitialCluster.parse(",a=http://127.0.0.1:2380,").names()).containsExactly("a");
    }

    @Test
    void badUrlsAreRefusedWithEtcdsWords() {
        assertThatThrownBy(() -> InitialCluster.parse("a=ftp://127.0.0.1:2380"))
                .hasMessage("URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:2380");
        assertThatThrownBy(() -> InitialCluster.parse("a"))
                .hasMessage("URL scheme must be http, https, unix, or unixs: ");
        assertThatThrownBy(() -> InitialCluster.parse("a=http://127.0.0.1"))
                .hasMessage("URL address does not have the form \"host:port\": http://127.0.0.1");
    }

    @Test
    void findsDuplicateUrls() throws Exception {
        assertThat(InitialCluster.parse("a=http://h:1,b=http://h:1").duplicateUrl()).contains("http://h:1");
        assertThat(InitialCluster.parse("a=http://h:1,b=http://h:2").duplicateUrl()).isEmpty();
    }

    @Test
    void isImmutable() throws Exception {
        InitialCluster c = InitialCluster.ofMember("x", List.of("http://h:2", "http://h:1"));
        assertThat(c.peerUrls("x")).containsExactly("http://h:1", "http://h:2");
        assertThatThrownBy(() -> c.members().put("y", List.of())).isInstanceOf(UnsupportedOperationException.class);
    }
}
