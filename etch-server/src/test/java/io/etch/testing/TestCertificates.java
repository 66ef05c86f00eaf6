package io.etch.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made on the spot for TLS tests: a CA, certificates it signs (server and client
 * use, SANs for 127.0.0.1 and localhost unless told otherwise), revocation lists, all written as
 * PEM files the way etcd's flags take them.
 */
public final class TestCertificates {

    private static final AtomicLong SERIALS = new AtomicLong(1000);

    /** A certificate and its key, as objects and as PEM files. */
    public record Issued(X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    private final Path dir;
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate caCert;
    private final Path caFile;

    private TestCertificates(Path dir, String name) throws IOException, GeneralSecurityException {
        this.dir = dir;
        this.name = name;
        this.caKeys = rsa();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name + " CA,O=etch-tests");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(30, ChronoUnit.DAYS)), subject,
                caKeys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        this.caCert = sign(b, caKeys.getPrivate());
        this.caFile = dir.resolve(name + "-ca.pem");
        Files.writeString(caFile, pem(caCert), StandardCharsets.US_ASCII);
    }

    /** A new CA named {@code name}, its certificate in {@code dir/<name>-ca.pem}. */
    public static TestCertificates authority(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            return new TestCertificates(dir, name);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path caFile() {
        return caFile;
    }

    /** A certificate with CN {@code cn} and SANs 127.0.0.1 and localhost, for servers and clients. */
    public Issued issue(String cn) {
        return issue(cn, List.of("127.0.0.1", "localhost"));
    }

    /** A certificate with CN {@code cn} and the given SANs (IP literals or DNS names). */
    public Issued issue(String cn, List<String> sans) {
        try {
            KeyPair keys = rsa();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name + " CA,O=etch-tests"),
                    serial(), Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(30, ChronoUnit.DAYS)),
                    new X500Name("CN=" + cn + ",O=etch-tests"), keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            List<GeneralName> names = new ArrayList<>();
            for (String san : sans) {
                names.add(san.matches("[0-9.]+") ? new GeneralName(GeneralName.iPAddress, san)
                        : new GeneralName(GeneralName.dNSName, san));
            }
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            }
            X509Certificate cert = sign(b, caKeys.getPrivate());
            String base = name + "-" + cn + "-" + cert.getSerialNumber();
            Path certFile = dir.resolve(base + ".pem");
            Path keyFile = dir.resolve(base + "-key.pem");
            Files.writeString(certFile, pem(cert), StandardCharsets.US_ASCII);
            Files.writeString(keyFile, pem(keys.getPrivate()), StandardCharsets.US_ASCII);
            return new Issued(cert, keys.getPrivate(), certFile, keyFile);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A revocation list of this CA naming the given certificates, in {@code dir/<name>-<file>}. */
    public Path revocationList(String file, Issued... revoked) {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()),
                    Date.from(now.minus(1, ChronoUnit.HOURS)));
            b.setNextUpdate(Date.from(now.plus(30, ChronoUnit.DAYS)));
            for (Issued i : revoked) {
                b.addCRLEntry(i.serial(), Date.from(now.minus(1, ChronoUnit.MINUTES)), CRLReason.keyCompromise);
            }
            var holder = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate()));
            Path path = dir.resolve(name + "-" + file);
            Files.writeString(path, pem(holder), StandardCharsets.US_ASCII);
            return path;
        } catch (IOException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces {@code target}'s contents with {@code source}'s in one rename, as a deploy tool would. */
    public static void replace(Path source, Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".new");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, new SecureRandom());
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet()).shiftLeft(16).add(BigInteger.valueOf(new SecureRandom().nextInt(1 << 16)));
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withRSA").build(key));
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
