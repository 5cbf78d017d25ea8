/* SPDX-License-Identifier: GPL-2.0 */
/* The settings user space writes before load, and every map of the sensor (what each holds and why
 * it has the type it has). */
#ifndef BW_MAPS_H
#define BW_MAPS_H

/* Settings, written by user space between open and load. */
const volatile __u32 self_tgid = 0;
const volatile __u32 host_mnt_ns = 0;
const volatile __u32 host_pid_ns = 0;
const volatile __u64 wake_bytes = 256 * 1024;   /* force a wake-up when the backlog crosses this */
const volatile __u64 wake_ns = 1000000;         /* or when the last forced wake-up is older than this */
const volatile __u32 rate_limit = 0;            /* max events per second per cgroup, 0 = off */
const volatile __u64 sc_gate[BW_GATE_WORDS] = {}; /* bit nr: sc_mode[nr] has BW_SC_ON or BW_SC_IA32 */
const volatile __u8 sc_mode[MAX_NR] = {};
const volatile __u16 ia32_to_x64[BW_IA32_MAX] = {}; /* see bulwark_events.h; all zero: 32-bit syscalls ignored */
const volatile __u64 name_bloom[BW_NAME_BLOOM_WORDS] = {}; /* see bulwark_events.h; all zero: no last component matches */

/* Kept in BTF so a test can compare the Java mirror's offsets with the compiler's. */
struct bw_event *bw_event_btf_anchor __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Syscall entries parked until their exit, by thread id. LRU: a thread killed mid-call cannot leak a slot. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct bw_event);
} inflight SEC(".maps");

/* Write opens by container processes that the path filter let go, parked on the thread (task
 * storage: no hashing, no delete) until their exit, where the opened file is known: the event is sent
 * only if that file is on a mount of another mount namespace (BW_F2_FILE_FOREIGN). An LRU hash keyed
 * by thread id cost ≈450 ns per ordinary write open here; the task's own slot costs a fraction. The
 * same slot says whether a kept event waits in inflight (parked), so the exit of a watched syscall that
 * was dropped at its entry (most of them: an ordinary container open, any host open) ends after this one
 * lookup, without hashing the thread id into inflight. */
struct bw_exit_check {
	__u64 args[4];
	__u64 how;
	__u16 nr;
	__u8 flags;
	__u8 armed;  /* a write open is parked here for its exit */
	__u8 parked; /* the thread's syscall event waits in inflight for its exit */
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bw_exit_check);
} exit_check SEC(".maps");

/* io_uring write opens by container processes that the path filter let go, parked by request until
 * their completion (io_uring_complete), where the opened file is known: exit_check's io_uring form.
 * Keyed by the request object; an open submit that is not parked clears the slot of a recycled
 * request, and the LRU drops requests that never complete. */
struct bw_ring_open {
	char path[BW_STR0];
	__u64 flags;
	__u32 file_slot;
	__u32 kept; /* the submit was sent (its name matched the filter): at completion only a kernel
	             * interface reached under another name is sent */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct bw_ring_open);
} ring_opens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_ring_open);
} ring_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_path_key);
} path_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last_wake SEC(".maps");

/* A directory path built backwards from its last component (dir_path): 512 bytes of path, plus room
 * for one name past the masked position so the verifier can bound every copy. */
#define BW_DIR_BUF 512
struct bw_dir_buf {
	char data[BW_DIR_BUF + 256];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_dir_buf);
} dir_scratch SEC(".maps");

/* Sensitive path prefixes (user space fills: usermode helpers, devices, secrets, hostPath mount points). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__type(key, struct bw_path_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} path_prefixes SEC(".maps");

/* Sensitive last path components (release_agent, core_pattern …): the relative-path door. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[BW_NAME_KEY]);
	__type(value, __u32);
} path_names SEC(".maps");

/* TCP/UDP destination ports worth an event (2375, 2376, 6443, 10250 …). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u8);
} ports SEC(".maps");

/* cgroup ids of known containers: a task that joined the host's namespaces stays a container's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} container_cgroups SEC(".maps");

struct rate_state {
	__u64 window_start;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct rate_state);
} rates SEC(".maps");

#endif
