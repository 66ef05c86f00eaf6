package io.etch.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;

/**
 * Reads the PEM files etcd's TLS flags name: certificate chains, private keys (PKCS#8, PKCS#1
 * "RSA PRIVATE KEY" and SEC1 "EC PRIVATE KEY", as Go's tls.X509KeyPair takes them), CA bundles
 * and certificate revocation lists (PEM or DER, as Go's x509.ParseCRL). Every failure names the file.
 */
final class PemFiles {

    private PemFiles() {
    }

    static List<X509Certificate> certificates(Path file) throws TlsException {
        List<X509Certificate> certs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(reader)) {
            JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
            Object o;
            while ((o = pem.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(converter.getCertificate(holder));
                }
            }
        } catch (NoSuchFileException e) {
            throw new TlsException(file + ": no such file or directory");
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new TlsException(file + ": not a PEM certificate file (" + e.getMessage() + ")");
        }
        if (certs.isEmpty()) {
            throw new TlsException(file + ": failed to find any PEM data in certificate input");
        }
        return certs;
    }

    static PrivateKey privateKey(Path file) throws TlsException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(reader)) {
            Object o;
            while ((o = pem.readObject()) != null) {
                if (o instanceof PEMKeyPair pair) {
                    return jdkKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return jdkKey(info);
                }
            }
        } catch (NoSuchFileException e) {
            throw new TlsException(file + ": no such file or directory");
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new TlsException(file + ": not a PEM private key file (" + e.getMessage() + ")");
        }
        throw new TlsException(file + ": failed to find any PEM data in key input");
    }

    /** The JDK's own key object, which the JDK's TLS engine handles best. */
    private static PrivateKey jdkKey(PrivateKeyInfo info) throws IOException, GeneralSecurityException {
        String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
        String algorithm = switch (oid) {
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
            case "1.2.840.10045.2.1" -> "EC";
            case "1.3.101.112" -> "Ed25519";
            default -> throw new GeneralSecurityException("unsupported private key algorithm " + oid);
        };
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    }

    /** A CRL file: PEM ("X509 CRL") or DER. */
    static X509CRL crl(Path file) throws TlsException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TlsException(file + ": no such file or directory");
        } catch (IOException e) {
            throw new TlsException(file + ": " + e.getMessage());
        }
        try {
            String text = new String(bytes, StandardCharsets.US_ASCII);
            if (text.contains("-----BEGIN")) {
                try (PEMParser pem = new PEMParser(new java.io.StringReader(text))) {
                    Object o;
                    while ((o = pem.readObject()) != null) {
                        if (o instanceof X509CRLHolder holder) {
                            return new JcaX509CRLConverter().getCRL(holder);
                        }
                    }
                }
                throw new TlsException(file + ": no X509 CRL in the PEM file");
            }
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new java.io.ByteArrayInputStream(bytes));
        } catch (TlsException e) {
            throw e;
        } catch (Exception e) {
            throw new TlsException(file + ": not a certificate revocation list (" + e.getMessage() + ")");
        }
    }
}
