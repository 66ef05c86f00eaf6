package io.etch.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's transport.SelfCert for --auto-tls and --peer-auto-tls: a self-signed ECDSA P-521
 * certificate (organization "etcd", server and client use) for the hosts of the listen URLs, kept
 * as {@code cert.pem} and {@code key.pem} in the given directory (etcd:
 * {@code <data-dir>/fixtures/client} and {@code .../peer}) and reused while both files exist.
 */
public final class SelfSignedCertificates {

    private static final Logger log = LoggerFactory.getLogger(SelfSignedCertificates.class);

    private SelfSignedCertificates() {
    }

    /** The pair of files: cert.pem and key.pem. */
    public record KeyPairFiles(Path certFile, Path keyFile) {
    }

    /**
     * @param hosts the host parts of the listen URLs (IP addresses become IP SANs, names DNS SANs)
     * @param validityYears --self-signed-cert-validity
     */
    public static KeyPairFiles ensure(Path dir, List<String> hosts, long validityYears) throws TlsException {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        if (Files.exists(cert) && Files.exists(key)) {
            return new KeyPairFiles(cert, key);
        }
        try {
            Files.createDirectories(dir);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp521r1"), new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            BigInteger serial = new BigInteger(128, new SecureRandom());
            Instant now = Instant.now();
            Instant until = now.plus(365 * Math.max(1, validityYears), ChronoUnit.DAYS);
            X500Name subject = new X500Name("O=etcd");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial, Date.from(now),
                    Date.from(until), subject, pair.getPublic());
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.keyEncipherment | KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            List<GeneralName> names = new ArrayList<>();
            for (String host : distinct(hosts)) {
                names.add(isAddress(host) ? new GeneralName(GeneralName.iPAddress, host)
                        : new GeneralName(GeneralName.dNSName, host));
            }
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(new GeneralName[0])));
            }
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA512withECDSA").build(pair.getPrivate()));
            write(cert, pem(holder), false);
            log.info("created cert file path={}", cert);
            // PKCS#8 ("PRIVATE KEY"), which Go's tls.X509KeyPair reads too.
            write(key, pem(new JcaPKCS8Generator(pair.getPrivate(), null)), true);
            log.info("created key file path={}", key);
            return new KeyPairFiles(cert, key);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new TlsException("cannot create self-signed certificate in " + dir + ": " + e.getMessage());
        }
    }

    private static Set<String> distinct(List<String> hosts) {
        Set<String> set = new LinkedHashSet<>();
        for (String h : hosts) {
            String host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
            if (!host.isEmpty()) {
                set.add(host);
            }
        }
        return set;
    }

    private static boolean isAddress(String host) {
        if (host.contains(":")) {
            return true;
        }
        if (!host.matches("[0-9.]+")) {
            return false;
        }
        try {
            InetAddress.getByName(host);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(o);
        }
        return out.toString();
    }

    private static void write(Path file, String text, boolean secret) throws IOException {
        if (secret) {
            try {
                Files.deleteIfExists(file);
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            w.write(text);
        }
    }
}
