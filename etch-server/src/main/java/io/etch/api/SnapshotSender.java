package io.etch.api;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.SnapshotResponse;
import io.etch.server.EtchServer;
import io.etch.server.Version;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one Maintenance.Snapshot: the store written as etcd's snapshot file, in pieces of 32 KiB
 * with the bytes still to come, then the file's SHA-256 as the last piece (what {@code etcdctl
 * snapshot save} checks and {@code etcdutl snapshot restore} verifies). Pieces go out only while
 * the client's stream is ready, so a slow client holds one piece in memory, not the file.
 */
final class SnapshotSender {
    private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);
    private static final int PIECE = 32 * 1024;

    private final EtchServer server;
    private final ServerCallStreamObserver<SnapshotResponse> call;
    private EtchServer.ExportedSnapshot snapshot;
    private FileChannel file;
    private MessageDigest sha256;
    private long sent;
    private boolean finished;

    private SnapshotSender(EtchServer server, ServerCallStreamObserver<SnapshotResponse> call) {
        this.server = server;
        this.call = call;
    }

    /** Starts sending; call from the service method (gRPC takes the stream's handlers only then). */
    static void start(EtchServer server, ServerCallStreamObserver<SnapshotResponse> call) {
        SnapshotSender sender = new SnapshotSender(server, call);
        // gRPC's default turns "not ready" at 32 KiB queued, one piece: each piece then waits for
        // the one before to leave, which held a loopback transfer to ~35 MB/s. 1 MiB in flight
        // keeps the pipe full and memory bounded.
        call.setOnReadyThreshold(1 << 20);
        call.setOnReadyHandler(sender::drain);
        call.setOnCancelHandler(sender::cancelled);
        Thread export = new Thread(sender::export, "etch-snapshot-export");
        export.setDaemon(true);
        export.start();
    }

    private void export() {
        try {
            EtchServer.ExportedSnapshot s = server.exportSnapshot();
            synchronized (this) {
                snapshot = s;
                file = FileChannel.open(s.file(), StandardOpenOption.READ);
                sha256 = MessageDigest.getInstance("SHA-256");
                log.info("sending database snapshot to client total-bytes={}", s.summary().size());
            }
            drain();
        } catch (IOException | RuntimeException | NoSuchAlgorithmException e) {
            log.warn("failed to write a snapshot", e);
            fail(e);
        }
    }

    /** Sends pieces while the client can take them; called when the file is ready and on every ready signal. */
    private synchronized void drain() {
        if (file == null || finished) {
            return;
        }
        try {
            long total = snapshot.summary().size();
            while (call.isReady() && !finished) {
                if (sent < total) {
                    ByteBuffer piece = ByteBuffer.allocate((int) Math.min(PIECE, total - sent));
                    while (piece.hasRemaining()) {
                        if (file.read(piece, sent + piece.position()) < 0) {
                            throw new IOException("snapshot file ended early at " + (sent + piece.position()));
                        }
                    }
                    piece.flip();
                    sha256.update(piece.duplicate());
                    SnapshotResponse.Builder r = SnapshotResponse.newBuilder()
                            .setRemainingBytes(total - sent - piece.remaining()).setBlob(ByteString.copyFrom(piece));
                    if (sent == 0) {
                        // etcd 3.6: the first piece says which revision and which version the snapshot is of.
                        r.setHeader(server.header(snapshot.summary().revision())).setVersion(Version.SERVER);
                    }
                    sent += piece.limit();
                    call.onNext(r.build());
                } else {
                    call.onNext(SnapshotResponse.newBuilder().setBlob(ByteString.copyFrom(sha256.digest())).build());
                    call.onCompleted();
                    log.info("successfully sent database snapshot to client total-bytes={}", total);
                    finish();
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("failed to send a snapshot", e);
            fail(e);
        }
    }

    private synchronized void cancelled() {
        if (!finished) {
            log.info("the client went away while a snapshot was sent after {} bytes", sent);
            finish();
        }
    }

    private synchronized void fail(Exception e) {
        if (!finished) {
            finish();
            try {
                call.onError(GrpcErrors.toStatus(e instanceof IOException
                        ? io.grpc.Status.INTERNAL.withDescription("snapshot failed: " + e.getMessage()).asRuntimeException() : e));
            } catch (RuntimeException ignored) {
                // the call is already closed
            }
        }
    }

    private void finish() {
        finished = true;
        try {
            if (file != null) {
                file.close();
            }
            if (snapshot != null) {
                Files.deleteIfExists(snapshot.file());
            }
        } catch (IOException e) {
            log.warn("cannot remove the snapshot file {}", snapshot.file(), e);
        }
    }
}
