package io.bulwark.sensor.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small client of the Kubernetes Container Runtime Interface ({@code runtime.v1.RuntimeService}),
 * what the kubelet speaks to containerd's CRI plugin: gRPC over the runtime's unix socket
 * (grpc-netty with epoll), with the few messages the tests need encoded by hand in the protobuf
 * wire format ({@link Pb}; field numbers from cri-api's {@code api.proto}). No generated code.
 *
 * <p>Calls throw {@link StatusRuntimeException} with the runtime's message when the runtime refuses.
 */
public final class CriClient implements AutoCloseable {
    private static final String RUNTIME = "runtime.v1.RuntimeService/";

    /** NamespaceMode: POD = 0, CONTAINER = 1, NODE = 2. */
    public static final int POD = 0;
    public static final int CONTAINER = 1;
    public static final int NODE = 2;

    private final EpollEventLoopGroup group;
    private final ManagedChannel channel;
    private final Duration timeout;

    public CriClient(Path socket, Duration timeout) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("netty epoll (io.netty:netty-transport-native-epoll:linux-x86_64) not usable: "
                    + Epoll.unavailabilityCause());
        }
        this.timeout = timeout;
        this.group = new EpollEventLoopGroup(1);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class)
                .overrideAuthority("localhost").usePlaintext().build();
    }

    /** One unary call with raw protobuf bytes in and out. */
    public Pb.Msg call(String method, Pb request) {
        MethodDescriptor<byte[], byte[]> md = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(method)
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        byte[] out = ClientCalls.blockingUnaryCall(channel, md,
                CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS), request.bytes());
        return Pb.Msg.parse(out);
    }

    /** {@code Version}: runtime_name, runtime_version, runtime_api_version. */
    public Map<String, String> version() {
        Pb.Msg r = call(RUNTIME + "Version", new Pb().str(1, "v1"));
        Map<String, String> m = new LinkedHashMap<>();
        m.put("version", r.str(1));
        m.put("runtime_name", r.str(2));
        m.put("runtime_version", r.str(3));
        m.put("runtime_api_version", r.str(4));
        return m;
    }

    /** {@code RunPodSandbox}: returns the sandbox id. */
    public String runPodSandbox(Pb podSandboxConfig) {
        return call(RUNTIME + "RunPodSandbox", new Pb().msg(1, podSandboxConfig)).str(1);
    }

    /** {@code CreateContainer} in a sandbox (the sandbox config is passed again, as the kubelet does): the container id. */
    public String createContainer(String sandboxId, Pb containerConfig, Pb podSandboxConfig) {
        return call(RUNTIME + "CreateContainer", new Pb().str(1, sandboxId).msg(2, containerConfig).msg(3, podSandboxConfig))
                .str(1);
    }

    public void startContainer(String containerId) {
        call(RUNTIME + "StartContainer", new Pb().str(1, containerId));
    }

    public void stopContainer(String containerId, long timeoutSeconds) {
        call(RUNTIME + "StopContainer", new Pb().str(1, containerId).varint(2, timeoutSeconds));
    }

    public void removeContainer(String containerId) {
        call(RUNTIME + "RemoveContainer", new Pb().str(1, containerId));
    }

    public void stopPodSandbox(String sandboxId) {
        call(RUNTIME + "StopPodSandbox", new Pb().str(1, sandboxId));
    }

    public void removePodSandbox(String sandboxId) {
        call(RUNTIME + "RemovePodSandbox", new Pb().str(1, sandboxId));
    }

    /** {@code ExecSync} (what {@code kubectl exec} without a terminal becomes for probes): exit code, stdout + stderr. */
    public RuncContainer.ExecResult execSync(String containerId, long timeoutSeconds, String... cmd) {
        Pb req = new Pb().str(1, containerId).strs(2, List.of(cmd)).varint(3, timeoutSeconds);
        Pb.Msg r = call(RUNTIME + "ExecSync", req);
        String out = r.bytes(1).toString(StandardCharsets.UTF_8) + r.bytes(2).toString(StandardCharsets.UTF_8);
        return new RuncContainer.ExecResult((int) r.varint(3), out);
    }

    /** {@code ContainerStatus} with verbose info: the status message and the info map (key "info" holds JSON with the pid). */
    public Pb.Msg containerStatus(String containerId) {
        return call(RUNTIME + "ContainerStatus", new Pb().str(1, containerId).bool(2, true));
    }

    /** {@code PodSandboxStatus} with verbose info. */
    public Pb.Msg podSandboxStatus(String sandboxId) {
        return call(RUNTIME + "PodSandboxStatus", new Pb().str(1, sandboxId).bool(2, true));
    }

    /** {@code ImageService/ImageStatus}: the image id ({@code sha256:…} of its config), or "" when the runtime does not have it. */
    public String imageId(String reference) {
        Pb.Msg r = call("runtime.v1.ImageService/ImageStatus", new Pb().msg(1, new Pb().str(1, reference)));
        return r.msg(1).str(1);
    }

    /** {@code ListPodSandbox} without a filter: the sandbox ids. */
    public List<String> listPodSandboxIds() {
        List<String> ids = new ArrayList<>();
        for (Pb.Msg item : call(RUNTIME + "ListPodSandbox", new Pb()).msgs(1)) {
            ids.add(item.str(1));
        }
        return ids;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /**
     * A protobuf message under construction, field by field (proto3: zero values are simply not written).
     * Map fields are repeated entries with key = 1 and value = 2.
     */
    public static final class Pb {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(buf);

        public Pb str(int field, String value) {
            if (value != null && !value.isEmpty()) {
                io(() -> out.writeString(field, value));
            }
            return this;
        }

        public Pb strs(int field, List<String> values) {
            for (String v : values) {
                io(() -> out.writeString(field, v));
            }
            return this;
        }

        public Pb varint(int field, long value) {
            if (value != 0) {
                io(() -> out.writeInt64(field, value));
            }
            return this;
        }

        public Pb bool(int field, boolean value) {
            if (value) {
                io(() -> out.writeBool(field, true));
            }
            return this;
        }

        public Pb msg(int field, Pb message) {
            if (message != null) {
                byte[] b = message.bytes();
                io(() -> out.writeByteArray(field, b));
            }
            return this;
        }

        public Pb map(int field, Map<String, String> entries) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                msg(field, new Pb().str(1, e.getKey()).str(2, e.getValue()));
            }
            return this;
        }

        public byte[] bytes() {
            io(out::flush);
            return buf.toByteArray();
        }

        private interface IoAction {
            void run() throws IOException;
        }

        private static void io(IoAction a) {
            try {
                a.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A decoded message: every field's raw values in wire order (varints as Long, length-delimited as ByteString). */
        public static final class Msg {
            private final Map<Integer, List<Object>> fields;

            private Msg(Map<Integer, List<Object>> fields) {
                this.fields = fields;
            }

            public static Msg parse(byte[] data) {
                Map<Integer, List<Object>> f = new LinkedHashMap<>();
                CodedInputStream in = CodedInputStream.newInstance(data);
                try {
                    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                        int number = WireFormat.getTagFieldNumber(tag);
                        Object v = switch (WireFormat.getTagWireType(tag)) {
                            case WireFormat.WIRETYPE_VARINT -> in.readInt64();
                            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.readBytes();
                            case WireFormat.WIRETYPE_FIXED64 -> in.readFixed64();
                            case WireFormat.WIRETYPE_FIXED32 -> (long) in.readFixed32();
                            default -> throw new IOException("unsupported wire type in tag " + tag);
                        };
                        f.computeIfAbsent(number, k -> new ArrayList<>()).add(v);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("bad protobuf message", e);
                }
                return new Msg(f);
            }

            private Object last(int field) {
                List<Object> l = fields.get(field);
                return l == null || l.isEmpty() ? null : l.get(l.size() - 1);
            }

            public String str(int field) {
                Object v = last(field);
                return v == null ? "" : ((ByteString) v).toStringUtf8();
            }

            public ByteString bytes(int field) {
                Object v = last(field);
                return v == null ? ByteString.EMPTY : (ByteString) v;
            }

            public long varint(int field) {
                Object v = last(field);
                return v == null ? 0 : (Long) v;
            }

            public Msg msg(int field) {
                Object v = last(field);
                return parse(v == null ? new byte[0] : ((ByteString) v).toByteArray());
            }

            public List<Msg> msgs(int field) {
                List<Msg> out = new ArrayList<>();
                for (Object v : fields.getOrDefault(field, List.of())) {
                    out.add(parse(((ByteString) v).toByteArray()));
                }
                return out;
            }

            public Map<String, String> map(int field) {
                Map<String, String> m = new LinkedHashMap<>();
                for (Msg e : msgs(field)) {
                    m.put(e.str(1), e.str(2));
                }
                return m;
            }
        }
    }
}
