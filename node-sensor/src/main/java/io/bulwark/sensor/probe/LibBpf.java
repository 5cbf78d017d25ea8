package io.bulwark.sensor.probe;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.NativeLongByReference;

/**
 * The raw libbpf 1.x functions the sensor uses, named as libbpf names them. Only this package
 * touches native memory. Functions that fail return NULL or a negative number and set errno,
 * hence {@link SaveError}.
 */
public interface LibBpf {

    /** {@code int (*ring_buffer_sample_fn)(void *ctx, void *data, size_t size)}. */
    interface SampleFn {
        @Delegate
        int call(Pointer ctx, Pointer data, long size);
    }

    /** {@code int (*libbpf_print_fn_t)(enum libbpf_print_level, const char *, va_list)}. */
    interface PrintFn {
        @Delegate
        int call(int level, Pointer format, Pointer vaList);
    }

    @SaveError
    Pointer bpf_object__open_file(String path, Pointer opts);

    @SaveError
    int bpf_object__load(Pointer obj);

    void bpf_object__close(Pointer obj);

    Pointer bpf_object__find_map_by_name(Pointer obj, String name);

    Pointer bpf_object__find_program_by_name(Pointer obj, String name);

    Pointer bpf_object__next_program(Pointer obj, Pointer prev);

    Pointer bpf_object__btf(Pointer obj);

    String bpf_program__name(Pointer prog);

    @SaveError
    Pointer bpf_program__attach(Pointer prog);

    int bpf_link__destroy(Pointer link);

    int bpf_map__fd(Pointer map);

    /** Before load: the map is pinned at {@code path}, or reuses the compatible map already pinned there. */
    int bpf_map__set_pin_path(Pointer map, String path);

    /** Pins a link in bpffs: the program stays attached after this process is gone. */
    int bpf_link__pin(Pointer link, String path);

    /** {@code __u32 bpf_map__max_entries(const struct bpf_map *map)}: for a ring buffer, its data size in bytes. */
    int bpf_map__max_entries(Pointer map);

    /** Before load: a map's max_entries (a ring buffer's size in bytes, a power of two, page-aligned). */
    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    Pointer bpf_map__initial_value(Pointer map, NativeLongByReference size);

    int btf__find_by_name_kind(Pointer btf, String name, int kind);

    Pointer btf__type_by_id(Pointer btf, int id);

    String btf__name_by_offset(Pointer btf, int offset);

    @SaveError
    int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

    @SaveError
    int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

    @SaveError
    int bpf_map_delete_elem(int fd, Pointer key);

    int libbpf_num_possible_cpus();

    @SaveError
    Pointer ring_buffer__new(int mapFd, SampleFn sample, Pointer ctx, Pointer opts);

    @SaveError
    int ring_buffer__poll(Pointer rb, int timeoutMs);

    int ring_buffer__consume(Pointer rb);

    void ring_buffer__free(Pointer rb);

    Pointer libbpf_set_print(PrintFn fn);
}
