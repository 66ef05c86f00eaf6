package io.etch.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.raftpb.SnapshotChunk;
import io.etch.api.raftpb.SnapshotRequest;
import io.etch.apply.EntryApplier;
import io.etch.storage.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NegotiationType;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCallStreamObserver;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot transfer on the peer port: a member whose needed log entries the leader purged asks it
 * for a checkpoint of its store (Ratis tells the member to, with an install-snapshot
 * notification) and receives the checkpoint's files. The sender makes a fresh RocksDB checkpoint
 * (hard links, no copy) and sends its files only as fast as the receiver reads them, so neither
 * side holds more than a few pieces in memory. Every file is checked by size and CRC-32C.
 */
final class PeerSnapshotService {
    private static final Logger LOG = LoggerFactory.getLogger(PeerSnapshotService.class);
    private static final String SERVICE = "etchraftpb.PeerSnapshot";
    static final int PIECE_BYTES = 1 << 20;

    private static final MethodDescriptor<byte[], byte[]> FETCH = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Fetch"))
            .setRequestMarshaller(PeerMembershipService.BYTES)
            .setResponseMarshaller(PeerMembershipService.BYTES)
            .build();

    /** What a received checkpoint holds: its directory and last applied entry. */
    record Received(Path dir, long term, long index) {
    }

    private PeerSnapshotService() {
    }

    /**
     * Serves checkpoints of {@code applier}'s state, made under {@code workDir}, one transfer at a
     * time on {@code executor}; {@code sent} counts completed transfers.
     */
    static ServerServiceDefinition definition(EntryApplier applier, Path workDir, ExecutorService executor,
                                              Runnable sent, Runnable failed) {
        AtomicLong transfers = new AtomicLong();
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(FETCH, ServerCalls.asyncServerStreamingCall((request, observer) -> {
                    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) observer;
                    Object ready = new Object();
                    out.setOnReadyHandler(() -> {
                        synchronized (ready) {
                            ready.notifyAll();
                        }
                    });
                    out.setOnCancelHandler(() -> {
                        synchronized (ready) {
                            ready.notifyAll();
                        }
                    });
                    long member;
                    try {
                        member = SnapshotRequest.parseFrom(request).getMemberId();
                    } catch (InvalidProtocolBufferException e) {
                        out.onError(Status.INVALID_ARGUMENT.withDescription("bad snapshot request").asRuntimeException());
                        return;
                    }
                    Path dir = workDir.resolve("send-" + transfers.incrementAndGet());
                    try {
                        executor.execute(() -> send(applier, dir, member, out, ready, sent, failed));
                    } catch (RejectedExecutionException e) {
                        out.onError(Status.UNAVAILABLE.withDescription("member is stopping").asRuntimeException());
                    }
                }))
                .build();
    }

    private static void send(EntryApplier applier, Path dir, long member, ServerCallStreamObserver<byte[]> out,
                             Object ready, Runnable sent, Runnable failed) {
        long start = System.nanoTime();
        try {
            Files.createDirectories(dir.getParent());
            Backend.deleteTree(dir);
            applier.checkpoint(dir);
            long[] applied = applier.appliedIn(dir);
            List<Path> files;
            try (var listing = Files.list(dir)) {
                files = listing.filter(Files::isRegularFile).sorted().toList();
            }
            LOG.info("sending snapshot to member {}: {} files, applied index {}", Long.toHexString(member),
                    files.size(), applied[1]);
            long bytes = 0;
            SnapshotChunk.Builder first = SnapshotChunk.newBuilder().setAppliedTerm(applied[0]).setAppliedIndex(applied[1]);
            boolean firstSent = false;
            byte[] buffer = new byte[PIECE_BYTES];
            for (Path file : files) {
                CRC32C crc = new CRC32C();
                long size = 0;
                try (InputStream in = Files.newInputStream(file)) {
                    while (true) {
                        int n = in.readNBytes(buffer, 0, buffer.length);
                        crc.update(buffer, 0, n);
                        size += n;
                        boolean fileDone = n < buffer.length;
                        SnapshotChunk.Builder piece = firstSent ? SnapshotChunk.newBuilder() : first;
                        piece.setFile(file.getFileName().toString()).setData(ByteString.copyFrom(buffer, 0, n));
                        if (fileDone) {
                            piece.setFileDone(true).setFileSize(size).setFileCrc32C((int) crc.getValue());
                        }
                        awaitReady(out, ready);
                        out.onNext(piece.build().toByteArray());
                        firstSent = true;
                        bytes += n;
                        if (fileDone) {
                            break;
                        }
                    }
                }
            }
            awaitReady(out, ready);
            out.onNext((firstSent ? SnapshotChunk.newBuilder() : first).setDone(true).build().toByteArray());
            out.onCompleted();
            sent.run();
            LOG.info("sent snapshot to member {}: {} bytes, applied index {}, took {} ms", Long.toHexString(member),
                    bytes, applied[1], (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            failed.run();
            LOG.warn("sending snapshot to member {} failed", Long.toHexString(member), e);
            try {
                out.onError(Status.UNAVAILABLE.withDescription("snapshot failed: " + e.getMessage()).asRuntimeException());
            } catch (RuntimeException alreadyClosed) {
                // the receiver went away
            }
        } finally {
            try {
                Backend.deleteTree(dir);
            } catch (RuntimeException e) {
                LOG.warn("cannot delete sent checkpoint {}", dir, e);
            }
        }
    }

    private static void awaitReady(ServerCallStreamObserver<byte[]> out, Object ready) {
        synchronized (ready) {
            while (!out.isReady()) {
                if (out.isCancelled()) {
                    throw new IllegalStateException("the receiver canceled the transfer");
                }
                try {
                    ready.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /**
     * Fetches a checkpoint from the member at {@code hostPort} into the new directory {@code into};
     * throws when the transfer fails or a file does not match its size and checksum.
     */
    static Received fetch(String hostPort, PeerTls tls, long selfId, Path into, long timeoutMs) throws IOException {
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(hostPort).maxInboundMessageSize(2 * PIECE_BYTES);
        if (tls != null) {
            b.useTransportSecurity().sslContext(tls.forClient);
        } else {
            b.negotiationType(NegotiationType.PLAINTEXT);
        }
        ManagedChannel channel = b.build();
        Backend.deleteTree(into);
        Files.createDirectories(into);
        try {
            Iterator<byte[]> pieces = ClientCalls.blockingServerStreamingCall(channel, FETCH,
                    CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS),
                    SnapshotRequest.newBuilder().setMemberId(selfId).build().toByteArray());
            long term = -1;
            long index = -1;
            FileChannel open = null;
            String openName = null;
            CRC32C crc = new CRC32C();
            long size = 0;
            try {
                while (pieces.hasNext()) {
                    SnapshotChunk c = SnapshotChunk.parseFrom(pieces.next());
                    if (index < 0) {
                        term = c.getAppliedTerm();
                        index = c.getAppliedIndex();
                    }
                    if (c.getDone()) {
                        if (open != null) {
                            throw new IOException("snapshot ended inside file " + openName);
                        }
                        Backend.fsyncDir(into);
                        return new Received(into, term, index);
                    }
                    if (open == null) {
                        openName = checkedName(c.getFile());
                        open = FileChannel.open(into.resolve(openName), StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE);
                        crc.reset();
                        size = 0;
                    } else if (!c.getFile().equals(openName)) {
                        throw new IOException("snapshot piece of " + c.getFile() + " inside file " + openName);
                    }
                    ByteBuffer data = c.getData().asReadOnlyByteBuffer();
                    crc.update(c.getData().asReadOnlyByteBuffer());
                    size += data.remaining();
                    while (data.hasRemaining()) {
                        open.write(data);
                    }
                    if (c.getFileDone()) {
                        open.force(true);
                        open.close();
                        open = null;
                        if (size != c.getFileSize() || (int) crc.getValue() != c.getFileCrc32C()) {
                            throw new IOException("snapshot file " + openName + " arrived damaged: " + size
                                    + " bytes, expected " + c.getFileSize());
                        }
                    }
                }
                throw new IOException("snapshot stream ended before its last piece");
            } finally {
                if (open != null) {
                    open.close();
                }
            }
        } finally {
            channel.shutdownNow();
        }
    }

    /** A plain file name: a sender cannot make the receiver write outside the directory. */
    private static String checkedName(String name) throws IOException {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            throw new IOException("bad file name in snapshot: " + name);
        }
        return name;
    }
}
