package io.etch.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.config.ConfigLoader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --auth-token values, and the tokens they give (JWT signed and checked with real keys). */
class TokenSettingsTest {

    @TempDir
    Path dir;

    private Path pem(String name, Object key) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(key);
        }
        Path p = dir.resolve(name);
        Files.writeString(p, w.toString());
        return p;
    }

    /** PKCS#8, as openssl genpkey writes keys. */
    private Path pkcs8(String name, java.security.PrivateKey key) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return p;
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static TokenProvider provider(String spec) throws TokenSettings.Invalid {
        return TokenSettings.provider(spec, 300, ConfigLoader::goDuration);
    }

    @Test
    void simpleIsTheDefaultKind() throws Exception {
        TokenProvider p = provider("simple");
        String prefix = p.newPrefix();
        assertThat(prefix).matches("[a-zA-Z]{16}");
        String token = p.assign(prefix, 42, "alice", 7);
        assertThat(token).isEqualTo(prefix + ".42");
        assertThat(p.info(token, 9)).isEqualTo(new AuthInfo("alice", 9));
        p.invalidateUser("alice");
        assertThat(p.info(token, 9)).isNull();
    }

    @Test
    void simpleTokensExpireAfterTheirTtlSinceLastUse() {
        long[] now = {0};
        SimpleTokens p = new SimpleTokens(10, () -> now[0]);
        String a = p.assign("x", 1, "alice", 1);
        String b = p.assign("y", 2, "bob", 1);
        now[0] = 9_000_000_000L;
        assertThat(p.info(a, 1)).isNotNull(); // used: lives another 10 s
        now[0] = 15_000_000_000L;
        assertThat(p.info(b, 1)).isNull();
        assertThat(p.info(a, 1)).isNotNull();
        now[0] = 30_000_000_000L;
        assertThat(p.info(a, 1)).isNull();
    }

    @Test
    void jwtWithRsaKeysSignsAndChecksEtcdsClaims() throws Exception {
        KeyPair keys = rsa();
        Path priv = pem("jwt.key", keys.getPrivate());
        Path pub = pem("jwt.pub", keys.getPublic());
        TokenProvider p = provider("jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256,ttl=5m");
        String token = p.assign(p.newPrefix(), 5, "alice", 3);
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        assertThat(payload).contains("\"username\":\"alice\"").contains("\"revision\":3").contains("\"exp\":");
        assertThat(p.info(token, 99)).isEqualTo(new AuthInfo("alice", 3));

        // another member holding only the public key verifies it; a token from other keys is refused
        TokenProvider verifier = provider("jwt,pub-key=" + pub + ",sign-method=RS256");
        assertThat(verifier.info(token, 0)).isEqualTo(new AuthInfo("alice", 3));
        KeyPair other = rsa();
        TokenProvider stranger = provider("jwt,priv-key=" + pem("other.key", other.getPrivate()) + ",sign-method=RS256");
        assertThat(p.info(stranger.assign("", 1, "root", 3), 0)).isNull();
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA";
        assertThat(p.info(forged, 0)).isNull();
        assertThat(p.info("not a token", 0)).isNull();
    }

    @Test
    void jwtWithEcdsaAndHmac() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = g.generateKeyPair();
        TokenProvider es = provider("jwt,priv-key=" + pkcs8("ec.key", ec.getPrivate()) + ",pub-key=" + pem("ec.pub", ec.getPublic())
                + ",sign-method=ES256");
        assertThat(es.info(es.assign("", 1, "bob", 2), 0)).isEqualTo(new AuthInfo("bob", 2));

        Path secret = dir.resolve("secret");
        Files.writeString(secret, "0123456789abcdef0123456789abcdef");
        TokenProvider hs = provider("jwt,priv-key=" + secret + ",sign-method=HS256");
        assertThat(hs.info(hs.assign("", 1, "carol", 4), 0)).isEqualTo(new AuthInfo("carol", 4));
    }

    @Test
    void badValuesAreRefusedSayingWhy() throws Exception {
        assertThatThrownBy(() -> provider("opaque")).hasMessageContaining("unknown token type \"opaque\"");
        assertThatThrownBy(() -> provider("jwt,sign-method")).hasMessageContaining("invalid token specific option: sign-method");
        assertThatThrownBy(() -> provider("jwt,ttl=1s,ttl=2s")).hasMessageContaining("duplicated");
        assertThatThrownBy(() -> provider("jwt,sign-method=XS256")).hasMessageContaining("invalid auth signature method");
        assertThatThrownBy(() -> provider("jwt,sign-method=RS256")).hasMessageContaining("missing key data");
        assertThatThrownBy(() -> provider("jwt,sign-method=RS256,priv-key=/nonexistent/key"))
                .hasMessageContaining("/nonexistent/key");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "hello");
        assertThatThrownBy(() -> provider("jwt,sign-method=RS256,priv-key=" + garbage)).hasMessageContaining(garbage.toString());
        KeyPair a = rsa();
        KeyPair b = rsa();
        assertThatThrownBy(() -> provider("jwt,sign-method=RS256,priv-key=" + pem("a.key", a.getPrivate())
                + ",pub-key=" + pem("b.pub", b.getPublic()))).hasMessageContaining("don't match");
        Path shortSecret = dir.resolve("short");
        Files.writeString(shortSecret, "tiny");
        assertThatThrownBy(() -> provider("jwt,sign-method=HS256,priv-key=" + shortSecret)).hasMessageContaining("too short");
        assertThatThrownBy(() -> provider("jwt,sign-method=HS256,priv-key=" + shortSecret + ",ttl=soon"))
                .hasMessageContaining("ttl");
    }
}
