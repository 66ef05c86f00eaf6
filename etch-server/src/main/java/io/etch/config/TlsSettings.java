package io.etch.config;

import java.util.List;

/**
 * TLS settings of one side of the server, client-facing or peer-facing, as etcd's flags give them
 * (--cert-file, --key-file, ... and their --peer-* twins). Stored for the transport layer to use.
 *
 * @param clientCertFile certificate this server presents when it is itself the client (falls back to certFile)
 * @param clientKeyFile key for clientCertFile
 * @param clientCertAuth whether connecting parties must present a certificate signed by trustedCaFile
 * @param autoTls whether to generate a self-signed certificate when no certFile/keyFile is given
 * @param allowedCns for peers: certificate common names accepted (empty accepts any)
 * @param allowedHostnames SAN host names accepted from connecting parties (empty accepts any)
 */
public record TlsSettings(
        String certFile,
        String keyFile,
        String clientCertFile,
        String clientKeyFile,
        String trustedCaFile,
        String crlFile,
        boolean clientCertAuth,
        boolean autoTls,
        List<String> allowedCns,
        List<String> allowedHostnames) {

    public TlsSettings {
        allowedCns = List.copyOf(allowedCns);
        allowedHostnames = List.copyOf(allowedHostnames);
    }

    /** etcd's TLSInfo.Empty(): no certificate and key were given. */
    public boolean isEmpty() {
        return certFile.isEmpty() && keyFile.isEmpty();
    }
}
