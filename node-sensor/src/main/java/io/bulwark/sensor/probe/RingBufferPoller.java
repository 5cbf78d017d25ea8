package io.bulwark.sensor.probe;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;

/**
 * One thread that polls a BPF ring buffer and copies each sample into a bounded queue. The
 * native callback never throws and does no decoding; a full queue drops the sample and counts
 * it. The callback object is held in a field for the poller's whole life: a collected callback
 * kills the thread with "callable is null" and the sensor goes blind.
 */
public final class RingBufferPoller implements AutoCloseable {
    private final Native n = Native.get();
    private final BlockingQueue<byte[]> queue;
    private final LibBpf.SampleFn callback;
    private final Pointer rb;
    private final Thread thread;
    private volatile boolean running = true;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong queueDrops = new AtomicLong();
    private final AtomicLong callbackErrors = new AtomicLong();
    private volatile int pollErrno;

    public RingBufferPoller(BpfObject object, String mapName, int queueCapacity) {
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.callback = (ctx, data, size) -> {
            try {
                byte[] copy = new byte[(int) size];
                data.get(0, copy, 0, copy.length);
                received.incrementAndGet();
                if (!queue.offer(copy)) {
                    queueDrops.incrementAndGet();
                }
            } catch (Throwable t) {
                callbackErrors.incrementAndGet();
            }
            return 0;
        };
        int fd = object.mapFd(mapName);
        Pointer r = n.bpf.ring_buffer__new(fd, callback, null, null);
        if (r == null || r.address() == 0) {
            throw new BpfException("ring_buffer__new", n.errno(), object.file() + ":" + mapName);
        }
        this.rb = r;
        this.thread = new Thread(this::run, "bulwark-ringbuf-" + mapName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            int rc = n.bpf.ring_buffer__poll(rb, 100);
            if (rc == 0) {
                // With no-wakeup producers poll can time out while data waits: consume what is there.
                n.bpf.ring_buffer__consume(rb);
            } else if (rc < 0 && rc != -4 /* EINTR */) {
                pollErrno = -rc;
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
        n.bpf.ring_buffer__consume(rb);
    }

    /** Next sample, or null after the timeout. */
    public byte[] take(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.poll(timeout, unit);
    }

    public int backlog() {
        return queue.size();
    }

    public long received() {
        return received.get();
    }

    public long queueDrops() {
        return queueDrops.get();
    }

    public long callbackErrors() {
        return callbackErrors.get();
    }

    public int lastPollErrno() {
        return pollErrno;
    }

    /** Stops the thread, joins it, frees the ring buffer. Idempotent. */
    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        n.bpf.ring_buffer__free(rb);
    }
}
