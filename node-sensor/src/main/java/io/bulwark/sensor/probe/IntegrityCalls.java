package io.bulwark.sensor.probe;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;

/**
 * The libbpf and libc functions the kernel integrity checks need (io.bulwark.sensor.integrity),
 * named as the libraries name them. Kept apart from {@link LibBpf} so the integrity checker can
 * evolve without touching the sensor's hot-path binding; loaded from the libbpf that
 * {@link Native} already found.
 */
public interface IntegrityCalls {

    int bpf_program__fd(Pointer prog);

    /** {@code int bpf_prog_test_run_opts(int prog_fd, struct bpf_test_run_opts *opts)}. */
    @SaveError
    int bpf_prog_test_run_opts(int progFd, Pointer opts);

    int bpf_link__fd(Pointer link);

    @SaveError
    int bpf_iter_create(int linkFd);

    @SaveError
    int bpf_prog_get_next_id(int startId, IntByReference nextId);

    @SaveError
    int bpf_prog_get_fd_by_id(int id);

    @SaveError
    int bpf_link_get_next_id(int startId, IntByReference nextId);

    @SaveError
    int bpf_link_get_fd_by_id(int id);

    /** {@code int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len)}. */
    @SaveError
    int bpf_obj_get_info_by_fd(int fd, Pointer info, IntByReference infoLen);

    /** From libc. */
    @SaveError
    long read(int fd, Pointer buf, long count);

    /** From libc. */
    int close(int fd);

    /** From libc: a raw descriptor whose kernel objects the pointer reader inspects. */
    @SaveError
    int open(String path, int flags);

    /** From libc (glibc 2.30+). */
    int gettid();
}
