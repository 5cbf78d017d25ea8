// SPDX-License-Identifier: GPL-2.0
/*
 * Bulwark kernel sensor. Tracepoints only: this kernel refuses fentry/fexit/LSM and has no
 * kprobes (see shared/design/PLATFORM-NOTES.md).
 *
 *  - tp_btf/sys_enter + tp_btf/sys_exit with an in-kernel table of interesting syscalls
 *    (sc_mode): entry decodes arguments and strings into a per-thread slot, exit adds the
 *    result and sends one event. Per-syscall tracepoints cost the same slow path for every
 *    syscall (docs/benchmarks.md) and cannot see init_module/finit_module here.
 *    32-bit syscalls (int 0x80, sysenter, 32-bit syscall; IA32 emulation) are translated to their
 *    x86_64 number and arguments through ia32_to_x64 (socketcall: SYS_SOCKET, SYS_CONNECT) and
 *    flagged BW_F_COMPAT: the 32-bit door is no way around the table.
 *  - sched_process_exec/fork/exit for the process table, cgroup_mkdir for live container
 *    discovery, io_uring_submit_req for the io_uring door.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm/unistd_64.h>
#include "bulwark_events.h"

char LICENSE[] SEC("license") = "GPL";

#define MAX_NR 512
#define NSFS_MAGIC 0x6e736673
#define PIDFS_MAGIC 0x50494446
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define SECURITYFS_MAGIC 0x73636673
#define DEBUGFS_MAGIC 0x64626720
#define TRACEFS_MAGIC 0x74726163
#define BINFMTFS_MAGIC 0x42494e4d
#define CONFIGFS_MAGIC 0x62656570
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define O_ACCMODE 3
#define O_CREAT 0100
#define O_TRUNC 01000
/* open flags with write intent: an access mode other than O_RDONLY, or O_CREAT / O_TRUNC */
#define OPEN_WRITES(fl) (((fl) & O_ACCMODE) != 0 || ((fl) & (O_CREAT | O_TRUNC)) != 0)
/* arch/x86/include/asm/thread_info.h: a 32-bit syscall is in progress (in_ia32_syscall()); set at the
 * 32-bit entry, cleared on the return to user mode, after the sys_exit tracepoint. */
#define TS_COMPAT 0x0002
/* __USER_CS (GDT entry 6): the caller was running 64-bit code; 32-bit code runs with __USER32_CS 0x23. */
#define USER_CS_64 0x33
/* socketcall(2) call numbers (linux/net.h) */
#define SYS_SOCKET 1
#define SYS_CONNECT 3
#define CLONE_NS_FLAGS (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080)

/* Settings, written by user space between open and load. */
const volatile __u32 self_tgid = 0;
const volatile __u32 host_mnt_ns = 0;
const volatile __u32 host_pid_ns = 0;
const volatile __u64 wake_bytes = 256 * 1024;   /* force a wake-up when the backlog crosses this */
const volatile __u64 wake_ns = 1000000;         /* or when the last forced wake-up is older than this */
const volatile __u32 rate_limit = 0;            /* max events per second per cgroup, 0 = off */
const volatile __u8 sc_mode[MAX_NR] = {};
const volatile __u16 ia32_to_x64[BW_IA32_MAX] = {}; /* see bulwark_events.h; all zero: 32-bit syscalls ignored */

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
 * by thread id cost ≈450 ns per ordinary write open here; the task's own slot costs a fraction. */
struct bw_exit_check {
	__u64 args[4];
	__u64 how;
	__u16 nr;
	__u8 flags;
	__u8 armed;
	__u8 pad[4];
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

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c += 1;
}

static __always_inline bool rate_limited(__u64 cgid)
{
	if (!rate_limit)
		return false;
	__u64 now = bpf_ktime_get_ns();
	struct rate_state *st = bpf_map_lookup_elem(&rates, &cgid);
	if (!st) {
		struct rate_state init = { .window_start = now, .count = 1 };
		bpf_map_update_elem(&rates, &cgid, &init, BPF_ANY);
		return false;
	}
	if (now - st->window_start > 1000000000ULL) {
		st->window_start = now;
		st->count = 1;
		return false;
	}
	st->count++;
	return st->count > rate_limit;
}

/* Ring-buffer output with the wake-up policy measured in PLATFORM-NOTES: no wake-up per event;
 * wake when the backlog crosses wake_bytes, or when the last forced wake is older than wake_ns
 * (so a sparse event reaches user space within about a millisecond). */
static __always_inline void emit(struct bw_event *e)
{
	/* Variable-size records: the fixed part, then the strings up to the end of the last one used
	 * (a setns record is 200 bytes instead of 768, so the ring holds almost four times as many). */
	__u32 size = __builtin_offsetof(struct bw_event, str0);
	if (e->slen[2])
		size = __builtin_offsetof(struct bw_event, str2) + e->slen[2];
	else if (e->slen[1])
		size = __builtin_offsetof(struct bw_event, str1) + e->slen[1];
	else if (e->slen[0])
		size = __builtin_offsetof(struct bw_event, str0) + e->slen[0];
	if (size > sizeof(*e))
		size = sizeof(*e);
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&last_wake, &zero);
	__u64 now = bpf_ktime_get_ns();
	if ((avail < wake_bytes && avail + size >= wake_bytes) || (last && now - *last > wake_ns)) {
		flags = BPF_RB_FORCE_WAKEUP;
		if (last)
			*last = now;
	}
	if (bpf_ringbuf_output(&events, e, size, flags)) {
		count(BW_CNT_RB_FULL);
		return;
	}
	count(BW_CNT_EMITTED);
}

static __always_inline __u32 active_pid_ns(struct task_struct *task, __u32 *vpid)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[level & 31]);
	if (vpid)
		*vpid = up.nr;
	return BPF_CORE_READ(up.ns, ns.inum);
}

static __always_inline bool contained(struct task_struct *task, __u64 cgid)
{
	/* Direct loads through the BTF task pointer: no helper calls on this path. */
	struct nsproxy *nsp = task->nsproxy;
	if (!nsp)
		return bpf_map_lookup_elem(&container_cgroups, &cgid) != 0;
	__u32 mnt = nsp->mnt_ns->ns.inum;
	if (mnt != host_mnt_ns)
		return true;
	if (active_pid_ns(task, 0) != host_pid_ns)
		return true;
	return bpf_map_lookup_elem(&container_cgroups, &cgid) != 0;
}

static __always_inline void fill_task(struct bw_event *e, struct task_struct *task)
{
	__u64 pt = bpf_get_current_pid_tgid();
	e->tid = (__u32)pt;
	e->pid = pt >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = BPF_CORE_READ(task, cred, euid.val);
	e->gid = BPF_CORE_READ(task, cred, egid.val);
	e->loginuid = BPF_CORE_READ(task, loginuid.val);
	e->cap_eff = BPF_CORE_READ(task, cred, cap_effective.val);
	e->cap_prm = BPF_CORE_READ(task, cred, cap_permitted.val);
	e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->net_ns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
	e->uts_ns = BPF_CORE_READ(task, nsproxy, uts_ns, ns.inum);
	e->ipc_ns = BPF_CORE_READ(task, nsproxy, ipc_ns, ns.inum);
	e->cgroup_ns = BPF_CORE_READ(task, nsproxy, cgroup_ns, ns.inum);
	e->user_ns = BPF_CORE_READ(task, cred, user_ns, ns.inum);
	__u32 vpid = 0;
	e->pid_ns = active_pid_ns(task, &vpid);
	e->vpid = vpid;
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	if (tty) {
		int major = BPF_CORE_READ(tty, driver, major);
		int minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
		e->tty = ((__u32)major << 20) | (__u32)minor;
	} else {
		e->tty = 0;
	}
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline struct file *fd_file(struct task_struct *task, __u64 fd)
{
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
	unsigned int max = BPF_CORE_READ(task, files, fdt, max_fds);
	if (fd >= max)
		return 0;
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The mount of vm belongs to another mount namespace than task's (0: an internal mount, not foreign). */
static __always_inline bool foreign_mount(struct task_struct *task, struct vfsmount *vm)
{
	if (!vm)
		return false;
	struct mount *mnt = (struct mount *)((void *)vm - bpf_core_field_offset(struct mount, mnt));
	__u32 ns = BPF_CORE_READ(mnt, mnt_ns, ns.inum);
	return ns && ns != BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

static __always_inline __u32 fd_mode(struct task_struct *task, __u64 fd)
{
	struct file *f = fd_file(task, fd);
	if (!f)
		return 0;
	return BPF_CORE_READ(f, f_inode, i_mode);
}

/* String slots: every writer records in slen[slot] how many bytes it wrote (with the NUL), so that
 * emit() sends the event only up to the end of the last string used. slot is a constant at every call. */
static __always_inline char *str_slot(struct bw_event *e, int slot)
{
	return slot == 0 ? e->str0 : (slot == 1 ? e->str1 : e->str2);
}

static __always_inline void set_slen(struct bw_event *e, int slot, long n)
{
	e->slen[slot & 3] = n > 0 ? (__u16)n : 0;
}

static __always_inline void read_user_str(struct bw_event *e, int slot, __u32 size, __u64 ptr)
{
	char *dst = str_slot(e, slot);
	long n = bpf_probe_read_user_str(dst, size, (const void *)ptr);
	if (n <= 0)
		dst[0] = 0;
	else if (n == size)
		e->flags |= BW_F_TRUNCATED;
	set_slen(e, slot, n);
}

static __always_inline void read_kernel_str(struct bw_event *e, int slot, __u32 size, const void *ptr)
{
	char *dst = str_slot(e, slot);
	long n = bpf_probe_read_kernel_str(dst, size, ptr);
	if (n <= 0)
		dst[0] = 0;
	set_slen(e, slot, n);
}

static __always_inline void clear_strs(struct bw_event *e)
{
	e->str0[0] = 0;
	e->str1[0] = 0;
	e->str2[0] = 0;
	e->slen[0] = 0;
	e->slen[1] = 0;
	e->slen[2] = 0;
	e->flags2 = 0;
}

/* A container process's relative open whose directory (cwd for AT_FDCWD, else dirfd's) is on a mount
 * of another mount namespace: a leaked host directory (CVE-2024-21626), whatever the name. */
static __always_inline bool dir_foreign(struct bw_event *e, struct task_struct *task, long dirfd)
{
	if (!(e->flags & BW_F_CONTAINED) || e->str0[0] == '/' || e->str0[0] == 0)
		return false;
	struct vfsmount *m;
	if (dirfd == -100) {
		m = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		struct file *f = fd_file(task, dirfd);
		if (!f)
			return false;
		m = BPF_CORE_READ(f, f_path.mnt);
	}
	return foreign_mount(task, m);
}

/* The file a container's write open reached, when it is a kernel interface: a file of a kernel
 * pseudo-filesystem (procfs, sysfs, cgroup v1/v2, securityfs, debugfs, tracefs, binfmt_misc, configfs)
 * whose own name the path filter watches (core_pattern, release_agent, sysrq-trigger, uevent_helper …;
 * not the /proc/N/ names). Whatever name led there: a symlink, a bind mount, a reopened descriptor,
 * a procfs write the runtime was tricked into (CVE-2025-31133/52565/52881). Returns the
 * filesystem's magic, 0 otherwise. A subprogram: both exits call it. */
static __noinline __u64 kernel_iface(struct file *f)
{
	if (!f)
		return 0;
	__u64 magic = BPF_CORE_READ(f, f_inode, i_sb, s_magic);
	if (magic != PROC_SUPER_MAGIC && magic != SYSFS_MAGIC && magic != CGROUP_SUPER_MAGIC &&
	    magic != CGROUP2_SUPER_MAGIC && magic != SECURITYFS_MAGIC && magic != DEBUGFS_MAGIC &&
	    magic != TRACEFS_MAGIC && magic != BINFMTFS_MAGIC && magic != CONFIGFS_MAGIC)
		return 0;
	char name[BW_NAME_KEY] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	__u32 *v = bpf_map_lookup_elem(&path_names, name);
	if (!v || (*v & BW_PATH_PROC))
		return 0;
	return magic;
}

/* Marks e as a write open that reached the kernel interface f (magic from kernel_iface): str2 = its name. */
static __always_inline void mark_kernel_file(struct bw_event *e, struct file *f, __u64 magic)
{
	e->args[5] = magic;
	e->flags2 |= BW_F2_FILE_KERNEL;
	read_kernel_str(e, 2, BW_STR2, BPF_CORE_READ(f, f_path.dentry, d_name.name));
}

/* Whether the file a container's write open installed matters once the open is done (a syscall's
 * exit, an io_uring request's completion): on a mount of another mount namespace (*foreign), or a
 * kernel interface (*kmagic, kernel_iface's). */
static __always_inline bool opened_file_matters(struct task_struct *task, struct file *f, bool *foreign, __u64 *kmagic)
{
	*foreign = foreign_mount(task, BPF_CORE_READ(f, f_path.mnt));
	*kmagic = *foreign ? 0 : kernel_iface(f);
	return *foreign || *kmagic;
}

/* Names in e the file opened_file_matters found: a foreign file (str1, its i_mode in aux[1],
 * BW_F2_FILE_FOREIGN) or a kernel interface (mark_kernel_file). Nothing when neither (no file). */
static __always_inline void mark_opened_file(struct bw_event *e, struct file *f, bool foreign, __u64 kmagic)
{
	if (foreign) {
		e->aux[1] = BPF_CORE_READ(f, f_inode, i_mode);
		e->flags2 = BW_F2_FILE_FOREIGN;
		read_kernel_str(e, 1, BW_STR1, BPF_CORE_READ(f, f_path.dentry, d_name.name));
	} else if (kmagic) {
		mark_kernel_file(e, f, kmagic);
	}
}

/* A container process's write open that the path filter did not keep: checked at its exit (exit_check). */
static __always_inline void defer_write_open(struct bw_event *e, struct task_struct *task, __u64 oflags)
{
	if (!(e->flags & BW_F_CONTAINED))
		return;
	if (!OPEN_WRITES(oflags))
		return;
	struct bw_exit_check *c = bpf_task_storage_get(&exit_check, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return;
	c->args[0] = e->args[0];
	c->args[1] = e->args[1];
	c->args[2] = e->args[2];
	c->args[3] = e->args[3];
	c->how = e->aux[0];
	c->nr = e->nr;
	c->flags = e->flags;
	c->armed = 1;
}

/* An open the path filter let go: kept when its relative name sits under a directory of another mount
 * namespace (BW_F2_DIR_FOREIGN), else parked for the exit check when it writes. A subprogram of its own,
 * so the three open doors do not each carry it inline in bw_sys_enter. Returns true when kept. */
static __noinline bool open_filtered(struct bw_event *e, struct task_struct *task, long dirfd, __u64 oflags)
{
	if (dir_foreign(e, task, dirfd)) {
		e->flags2 |= BW_F2_DIR_FOREIGN;
		return true;
	}
	defer_write_open(e, task, oflags);
	return false;
}

struct basename_ctx {
	int last;
};

static long basename_step(__u64 i, void *ctx)
{
	struct basename_ctx *bc = ctx;
	__u32 zero = 0;
	struct bw_path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!k || i >= BW_PATH_KEY)
		return 1;
	char c = k->data[i & (BW_PATH_KEY - 1)];
	if (!c)
		return 1;
	if (c == '/')
		bc->last = (int)i + 1;
	return 0;
}

/* Decide whether an open of the path (already in e->str0) matters: an LPM prefix, or a
 * sensitive last component. Counts what it filters. */
static __always_inline bool path_interesting(struct bw_event *e, __u64 oflags)
{
	__u32 zero = 0;
	struct bw_path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!k)
		return false;
	bool write = OPEN_WRITES(oflags);
	long n = bpf_probe_read_kernel_str(k->data, sizeof(k->data), e->str0);
	if (n <= 1)
		return false;
	k->prefixlen = (__u32)(n - 1) * 8;
	__u32 *v = bpf_map_lookup_elem(&path_prefixes, k);
	if (v && ((*v & BW_PATH_ANY) || ((*v & BW_PATH_WRITE) && write)))
		return true;

	/* bpf_loop: the verifier checks the callback once instead of every iteration. */
	struct basename_ctx bc = { .last = 0 };
	bpf_loop(BW_PATH_KEY - 1, basename_step, &bc, 0);
	int last = bc.last;
	char name[BW_NAME_KEY] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), &k->data[last & (BW_PATH_KEY - 1)]);
	v = bpf_map_lookup_elem(&path_names, name);
	bool under_proc = k->data[0] == '/' && k->data[1] == 'p' && k->data[2] == 'r' && k->data[3] == 'o' &&
			  k->data[4] == 'c' && k->data[5] == '/';
	if (v) {
		bool relative = k->data[0] != '/';
		if ((*v & BW_PATH_PROC) && !under_proc && !relative)
			return false;
		if ((*v & BW_PATH_ANY) || ((*v & BW_PATH_WRITE) && write))
			return true;
	}
	/* Write opens of /proc/<pid>/fd/<n> (CVE-2019-5736 reopens an O_PATH descriptor of the runtime's
	 * binary for write; /proc/self/fd/ and /proc/thread-self/fd/ are prefixes above). */
	if (write && under_proc && last >= 11) {
		int l = last & (BW_PATH_KEY - 1);
		if (k->data[(l - 4) & (BW_PATH_KEY - 1)] == '/' && k->data[(l - 3) & (BW_PATH_KEY - 1)] == 'f' &&
		    k->data[(l - 2) & (BW_PATH_KEY - 1)] == 'd' && k->data[(l - 1) & (BW_PATH_KEY - 1)] == '/')
			return true;
	}
	return false;
}

/* Up to 10 decimal digits of k->data from off; *len = how many (0: none). */
static __always_inline __u64 parse_digits(struct bw_path_key *k, int off, int *len)
{
	__u64 v = 0;
	int n = 0;
#pragma unroll
	for (int j = 0; j < 10; j++) {
		char c = k->data[(off + j) & (BW_PATH_KEY - 1)];
		if (c < '0' || c > '9')
			break;
		v = v * 10 + (c - '0');
		n++;
	}
	*len = n;
	return v;
}

/* kfuncs (6.13+ for bpf_task_from_vpid): weak, so that on an older kernel libbpf resolves them to 0 and the
 * guarded call below is dead code; another process's descriptor is then simply not resolved. */
extern struct task_struct *bpf_task_from_vpid(s32 vpid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

/* Names the file behind descriptor fd of owner (str1, aux[1], BW_F_PROC_FD); opener is the task opening it. */
static __always_inline void name_fd(struct bw_event *e, struct task_struct *owner, struct task_struct *opener, __u64 fd)
{
	struct file *f = fd_file(owner, fd);
	if (!f)
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	__u64 info = BPF_CORE_READ(ino, i_mode);
	if (BPF_CORE_READ(ino, i_sb, s_magic) == PROC_SUPER_MAGIC)
		info |= BW_FD_PROCFS;
	/* struct mount around the vfsmount: its mnt_ns (internal mounts such as pipefs have none: 0) */
	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	struct mount *mnt = (struct mount *)((void *)vm - bpf_core_field_offset(struct mount, mnt));
	__u32 target_ns = BPF_CORE_READ(mnt, mnt_ns, ns.inum);
	__u32 own_ns = BPF_CORE_READ(opener, nsproxy, mnt_ns, ns.inum);
	if (target_ns && target_ns != own_ns)
		info |= BW_FD_FOREIGN_MNT;
	if (owner != opener)
		info |= BW_FD_OTHER_PROC;
	e->aux[1] = info;
	const unsigned char *dn = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	read_kernel_str(e, 1, BW_STR1, dn);
	e->flags |= BW_F_PROC_FD;
}

/* An open of /proc/self/fd/N, /proc/thread-self/fd/N or /proc/<pid>/fd/N (path in path_scratch, as
 * path_interesting left it): names the file behind descriptor N (str1, aux[1], BW_F_PROC_FD). <pid> is
 * read in the opener's pid namespace, as its /proc shows it; another process's descriptor is looked up
 * through bpf_task_from_vpid and marked BW_FD_OTHER_PROC. Called only for opens that passed the filter. */
static __always_inline void resolve_proc_fd(struct bw_event *e, struct task_struct *task)
{
	__u32 zero = 0;
	struct bw_path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!k)
		return;
	char *d = k->data;
	if (!(d[0] == '/' && d[1] == 'p' && d[2] == 'r' && d[3] == 'o' && d[4] == 'c' && d[5] == '/'))
		return;
	int i;
	__u64 other = 0;
	if (d[6] == 's' && d[7] == 'e' && d[8] == 'l' && d[9] == 'f' && d[10] == '/') {
		i = 11;
	} else if (d[6] == 't' && d[7] == 'h' && d[8] == 'r' && d[9] == 'e' && d[10] == 'a' && d[11] == 'd' && d[12] == '-' &&
		   d[13] == 's' && d[14] == 'e' && d[15] == 'l' && d[16] == 'f' && d[17] == '/') {
		i = 18;
	} else {
		int n = 0;
		__u64 pid = parse_digits(k, 6, &n);
		if (n == 0 || d[(6 + n) & (BW_PATH_KEY - 1)] != '/')
			return;
		__u32 vpid = 0;
		active_pid_ns(task, &vpid);
		if (pid != vpid)
			other = pid;
		i = 7 + n;
	}
	if (!(d[i & (BW_PATH_KEY - 1)] == 'f' && d[(i + 1) & (BW_PATH_KEY - 1)] == 'd' && d[(i + 2) & (BW_PATH_KEY - 1)] == '/'))
		return;
	int m = 0;
	__u64 fd = parse_digits(k, i + 3, &m);
	if (m == 0 || d[(i + 3 + m) & (BW_PATH_KEY - 1)] != 0)
		return;
	if (!other) {
		name_fd(e, task, task, fd);
		return;
	}
	if (other > 0x7fffffff || !bpf_task_from_vpid || !bpf_task_release)
		return;
	struct task_struct *owner = bpf_task_from_vpid((s32)other);
	if (!owner)
		return;
	name_fd(e, owner, task, fd);
	bpf_task_release(owner);
}

/* Walk state of dir_path: the dentry and mount being named, the task's root, the write position. */
struct dir_ctx {
	struct dentry *d;
	struct mount *m;
	struct dentry *root_d;
	struct vfsmount *root_m;
	__u32 pos;
	int state; /* 0 walking, 1 reached the root, 2 failed */
};

static long dir_step(__u64 i, void *arg)
{
	struct dir_ctx *c = arg;
	/* locals: BPF_CORE_READ relocates every member access it is given, and dir_ctx is not a kernel type */
	struct dentry *d = c->d;
	struct mount *m = c->m;
	struct vfsmount *vm = (struct vfsmount *)((void *)m + bpf_core_field_offset(struct mount, mnt));
	if (d == c->root_d && vm == c->root_m) {
		c->state = 1;
		return 1;
	}
	if (d == BPF_CORE_READ(vm, mnt_root)) {
		/* the top of a mount: continue from where it is mounted, in the parent mount */
		struct mount *parent = BPF_CORE_READ(m, mnt_parent);
		if (!parent || parent == m) {
			c->state = 1; /* the top of the mount tree (outside the task's root: named from there) */
			return 1;
		}
		c->d = BPF_CORE_READ(m, mnt_mountpoint);
		c->m = parent;
		return 0;
	}
	struct dentry *up = BPF_CORE_READ(d, d_parent);
	__u32 len = BPF_CORE_READ(d, d_name.len);
	if (!up || up == d || len == 0 || len > 255 || c->pos < len + 1) {
		c->state = 2;
		return 1;
	}
	__u32 zero = 0;
	struct bw_dir_buf *b = bpf_map_lookup_elem(&dir_scratch, &zero);
	if (!b) {
		c->state = 2;
		return 1;
	}
	c->pos -= len + 1;
	b->data[c->pos & (BW_DIR_BUF - 1)] = '/';
	bpf_probe_read_kernel(&b->data[(c->pos + 1) & (BW_DIR_BUF - 1)], len & 255, BPF_CORE_READ(d, d_name.name));
	c->d = up;
	return 0;
}

/* The directory a relative open is relative to, named from the task's root as the kernel walks it at
 * the syscall (so it survives the process, and a later chdir), into str1 with BW_OPEN_DIR in aux[1].
 * dirfd < 0: the working directory; else the directory behind dirfd. Leaves nothing on failure
 * (deeper than 32 levels, longer than 511 bytes, a descriptor that is not there): user space then
 * reads /proc as before. */
static __always_inline bool dir_path_to(struct bw_event *e, struct task_struct *task, long dirfd, int slot, __u32 size)
{
	struct path p;
	if (dirfd == -100 /* AT_FDCWD */) {
		p.dentry = BPF_CORE_READ(task, fs, pwd.dentry);
		p.mnt = BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		struct file *f = fd_file(task, (__u64)dirfd);
		if (!f)
			return false;
		p.dentry = BPF_CORE_READ(f, f_path.dentry);
		p.mnt = BPF_CORE_READ(f, f_path.mnt);
	}
	if (!p.dentry || !p.mnt)
		return false;
	struct dir_ctx c = {
		.d = p.dentry,
		.m = (struct mount *)((void *)p.mnt - bpf_core_field_offset(struct mount, mnt)),
		.root_d = BPF_CORE_READ(task, fs, root.dentry),
		.root_m = BPF_CORE_READ(task, fs, root.mnt),
		.pos = BW_DIR_BUF - 1,
		.state = 0,
	};
	__u32 zero = 0;
	struct bw_dir_buf *b = bpf_map_lookup_elem(&dir_scratch, &zero);
	if (!b)
		return false;
	b->data[BW_DIR_BUF - 1] = 0;
	bpf_loop(32, dir_step, &c, 0);
	if (c.state != 1)
		return false;
	char *dst = str_slot(e, slot);
	if (c.pos == BW_DIR_BUF - 1) {
		/* the root itself */
		dst[0] = '/';
		dst[1] = 0;
		set_slen(e, slot, 2);
	} else {
		read_kernel_str(e, slot, size, &b->data[c.pos & (BW_DIR_BUF - 1)]);
		if (e->slen[slot & 3] >= size) /* cut: longer than the slot */
			return false;
	}
	return true;
}

static __always_inline void dir_path(struct bw_event *e, struct task_struct *task, long dirfd)
{
	if (dir_path_to(e, task, dirfd, 1, BW_STR1))
		e->aux[1] = BW_OPEN_DIR;
}

/* The directory a container's relative rename, link or symlink names its new entry in, into str2
 * (64 bytes: host mount points such as /host/etc/cron.d fit; a longer one leaves nothing and user
 * space reads /proc), with BW_OPEN_DIR in aux[1]; for an unlink, into str1. The process (a one-shot
 * mv or ln) is often gone when the event is decoded. A subprogram: five doors share it. */
static __noinline void entry_dir(struct bw_event *e, struct task_struct *task, long dirfd, int slot)
{
	e->aux[1] = 0;
	if (!(e->flags & BW_F_CONTAINED))
		return;
	if (slot == 2 ? dir_path_to(e, task, dirfd, 2, BW_STR2) : dir_path_to(e, task, dirfd, 1, BW_STR1))
		e->aux[1] = BW_OPEN_DIR;
}

static __always_inline bool decode_sockaddr(struct bw_event *e, __u64 uaddr)
{
	__u16 family = 0;
	if (bpf_probe_read_user(&family, sizeof(family), (void *)uaddr))
		return false;
	e->aux[0] = family;
	if (family == AF_UNIX) {
		/* sun_path at offset 2; an abstract name starts with NUL: keep it, user space shows '@'. */
		bpf_probe_read_user(e->str0, 108, (void *)(uaddr + 2));
		e->str0[108] = 0;
		set_slen(e, 0, 109);
		return true;
	}
	__u16 port_be = 0;
	bpf_probe_read_user(&port_be, sizeof(port_be), (void *)(uaddr + 2));
	__u16 port = __builtin_bswap16(port_be);
	e->aux[1] = port;
	if (family == AF_INET) {
		__u32 a = 0;
		bpf_probe_read_user(&a, sizeof(a), (void *)(uaddr + 4));
		__builtin_memcpy(e->str1, &a, 4);
		set_slen(e, 1, 4);
		/* 169.254.169.254: instance metadata */
		if (a == 0xfea9fea9)
			return true;
	} else if (family == AF_INET6) {
		bpf_probe_read_user(e->str1, 16, (void *)(uaddr + 8));
		set_slen(e, 1, 16);
	} else {
		return false;
	}
	return bpf_map_lookup_elem(&ports, &port) != 0;
}

/* Decodes the arguments of syscall nr into e. Returns false when the call does not matter. */
static __always_inline bool decode(struct bw_event *e, struct task_struct *task, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
	case __NR_open:
	case __NR_creat:
		read_user_str(e, 0, BW_STR0, a[0]);
		if (!path_interesting(e, nr == __NR_creat ? 01 | O_CREAT | O_TRUNC : a[1]) &&
		    !open_filtered(e, task, -100, nr == __NR_creat ? 01 | O_CREAT | O_TRUNC : a[1]))
			return false;
		if (e->str0[0] == '/')
			resolve_proc_fd(e, task);
		else
			dir_path(e, task, -100);
		return true;
	case __NR_openat:
		read_user_str(e, 0, BW_STR0, a[1]);
		if (!path_interesting(e, a[2]) && !open_filtered(e, task, (int)a[0], a[2]))
			return false;
		if (e->str0[0] == '/')
			resolve_proc_fd(e, task);
		else
			dir_path(e, task, (int)a[0]);
		return true;
	case __NR_openat2: {
		read_user_str(e, 0, BW_STR0, a[1]);
		__u64 how_flags = 0;
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)a[2]);
		e->aux[0] = how_flags;
		if (!path_interesting(e, how_flags) && !open_filtered(e, task, (int)a[0], how_flags))
			return false;
		if (e->str0[0] == '/')
			resolve_proc_fd(e, task);
		else
			dir_path(e, task, (int)a[0]);
		return true;
	}
	case __NR_connect:
		return decode_sockaddr(e, a[1]);
	case __NR_socket:
		return a[0] == AF_PACKET;
	case __NR_setns: {
		struct file *f = fd_file(task, a[0]);
		if (f) {
			struct inode *ino = BPF_CORE_READ(f, f_inode);
			if (BPF_CORE_READ(ino, i_sb, s_magic) == NSFS_MAGIC) {
				/* nsfs: the inode number is the namespace's, i_private its ns_common. */
				e->aux[0] = BPF_CORE_READ(ino, i_ino);
				struct ns_common *ns = BPF_CORE_READ(ino, i_private);
				const char *nsname = BPF_CORE_READ(ns, ops, name);
				read_kernel_str(e, 0, BW_STR2, nsname);
			} else if (BPF_CORE_READ(ino, i_sb, s_magic) == PIDFS_MAGIC) {
				/* a pidfd (pidfs, 6.9+): the target is a process; user space compares its namespaces with the host's */
				struct pid *p = BPF_CORE_READ(ino, i_private);
				e->aux[1] = BPF_CORE_READ(p, numbers[0].nr);
				__builtin_memcpy(e->str0, "pidfd", 6);
				set_slen(e, 0, 6);
			} else {
				/* something else: keep its name */
				const unsigned char *dn = BPF_CORE_READ(f, f_path.dentry, d_name.name);
				read_kernel_str(e, 0, BW_STR2, dn);
			}
		}
		return true;
	}
	case __NR_unshare:
		return true;
	case __NR_clone:
		return (a[0] & CLONE_NS_FLAGS) != 0;
	case __NR_clone3: {
		__u64 flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)a[0]);
		e->aux[0] = flags;
		return (flags & CLONE_NS_FLAGS) != 0;
	}
	case __NR_mount:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		read_user_str(e, 2, BW_STR2, a[2]);
		return true;
	case __NR_fsopen:
		read_user_str(e, 2, BW_STR2, a[0]);
		return true;
	case __NR_fsconfig:
		read_user_str(e, 2, BW_STR2, a[2]);
		if (a[1] == 1 /* FSCONFIG_SET_STRING */ || a[1] == 3 /* SET_PATH */ || a[1] == 4 /* SET_PATH_EMPTY */)
			read_user_str(e, 0, BW_STR0, a[3]);
		return true;
	case __NR_fsmount:
		return true;
	case __NR_move_mount:
		read_user_str(e, 0, BW_STR0, a[1]);
		read_user_str(e, 1, BW_STR1, a[3]);
		return true;
	case __NR_open_tree:
		read_user_str(e, 0, BW_STR0, a[1]);
		return true;
	case __NR_chroot:
		read_user_str(e, 0, BW_STR0, a[0]);
		return true;
	case __NR_pivot_root:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		return true;
	case __NR_ptrace:
		/* ATTACH, SEIZE, POKETEXT/DATA/USER, SETREGS, SETFPREGS, SETREGSET */
		return a[0] == 16 || a[0] == 0x4206 || a[0] == 4 || a[0] == 5 || a[0] == 6 || a[0] == 13 ||
		       a[0] == 15 || a[0] == 0x4205;
	case __NR_process_vm_writev:
	case __NR_bpf:
	case __NR_init_module:
	case __NR_finit_module:
	case __NR_userfaultfd:
	case __NR_open_by_handle_at:
	case __NR_setuid:
	case __NR_setgid:
	case __NR_setreuid:
	case __NR_setregid:
	case __NR_setresuid:
	case __NR_setresgid:
	case __NR_setfsuid:
	case __NR_setfsgid:
		return true;
	case __NR_capset: {
		/* cap_user_data_t[0]: effective, permitted, inheritable (low 32 bits) */
		__u32 data[6] = {};
		bpf_probe_read_user(data, sizeof(data), (void *)a[1]);
		e->aux[0] = (__u64)data[0] | ((__u64)data[3] << 32);
		e->aux[1] = (__u64)data[1] | ((__u64)data[4] << 32);
		return true;
	}
	case __NR_delete_module:
	case __NR_memfd_create:
		read_user_str(e, 0, BW_STR2, a[0]);
		return true;
	case __NR_name_to_handle_at:
		read_user_str(e, 0, BW_STR0, a[1]);
		return true;
	case __NR_mknod:
		read_user_str(e, 0, BW_STR0, a[0]);
		return true;
	case __NR_mknodat:
		read_user_str(e, 0, BW_STR0, a[1]);
		return true;
	case __NR_symlink:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		if (e->str1[0] != '/')
			entry_dir(e, task, -100, 2);
		return true;
	case __NR_symlinkat:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[2]);
		if (e->str1[0] != '/')
			entry_dir(e, task, (int)a[1], 2);
		return true;
	case __NR_link:
	case __NR_rename:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		if (e->str1[0] != '/')
			entry_dir(e, task, -100, 2);
		return true;
	case __NR_linkat:
	case __NR_renameat:
	case __NR_renameat2:
		read_user_str(e, 0, BW_STR0, a[1]);
		read_user_str(e, 1, BW_STR1, a[3]);
		if (e->str1[0] != '/')
			entry_dir(e, task, (int)a[2], 2);
		return true;
	case __NR_unlink:
		read_user_str(e, 0, BW_STR0, a[0]);
		if (e->str0[0] != '/')
			entry_dir(e, task, -100, 1);
		return true;
	case __NR_unlinkat:
		read_user_str(e, 0, BW_STR0, a[1]);
		if (e->str0[0] != '/')
			entry_dir(e, task, (int)a[0], 1);
		return true;
	case __NR_chdir:
		/* judged at exit, by where the working directory is then */
		read_user_str(e, 0, BW_STR0, a[0]);
		return true;
	case __NR_fchdir: {
		struct file *f = fd_file(task, a[0]);
		e->aux[0] = f && foreign_mount(task, BPF_CORE_READ(f, f_path.mnt));
		return true;
	}
	case __NR_dup2:
	case __NR_dup3:
		if (a[1] > 2)
			return false;
		e->aux[0] = fd_mode(task, a[0]);
		return true;
	case __NR_splice:
		e->aux[0] = fd_mode(task, a[0]);
		e->aux[1] = fd_mode(task, a[2]);
		return true;
	default:
		return true;
	}
}

/* The x86_64 number of a 32-bit syscall (ia32 number id), or -1 when it is not one we translate; t gets
 * the table entry. socketcall becomes socket or connect by its call number (bx); other calls are dropped. */
static __always_inline long compat_nr(struct pt_regs *regs, long id, __u16 *t)
{
	if (id < 0 || id >= BW_IA32_MAX)
		return -1;
	__u16 v = ia32_to_x64[id & (BW_IA32_MAX - 1)];
	*t = v;
	if (v & BW_IA32_SOCKETCALL) {
		__u32 call = (__u32)regs->bx;
		if (call == SYS_SOCKET)
			return __NR_socket;
		if (call == SYS_CONNECT)
			return __NR_connect;
		return -1;
	}
	return (long)(v & BW_IA32_NR_MASK) - 1;
}

/* 16-bit uid/gid (setuid, setreuid … of the old ia32 ABI): the kernel takes the low 16 bits, 0xffff is -1. */
static __always_inline __u64 uid16(__u64 v)
{
	v &= 0xffff;
	return v == 0xffff ? 0xffffffffULL : v;
}

/* The x86_64 number of the syscall entered or left when it is watched (sc_mode BW_SC_ON), else -1;
 * *taskp, *compat (the ia32 table entry, 0 for a 64-bit call) and *mode are filled for a watched one.
 * A 32-bit syscall: id is an ia32 number, the arguments are in bx, cx, dx, si, di, bp. For 64-bit
 * callers this costs one load and branch, and only on numbers that are watched in either table. */
static __always_inline long watched_nr(struct pt_regs *regs, long id, struct task_struct **taskp, __u16 *compat, __u8 *mode)
{
	if (id < 0 || id >= MAX_NR)
		return -1;
	__u8 m = sc_mode[id & (MAX_NR - 1)];
	if (!(m & (BW_SC_ON | BW_SC_IA32)))
		return -1;
	struct task_struct *task = bpf_get_current_task_btf();
	*taskp = task;
	if (task->thread_info.status & TS_COMPAT) {
		if (!(m & BW_SC_IA32))
			return -1;
		id = compat_nr(regs, id, compat);
		if (id < 0 || id >= MAX_NR)
			return -1;
		m = sc_mode[id & (MAX_NR - 1)];
	}
	if (!(m & BW_SC_ON))
		return -1;
	*mode = m;
	return id;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(bw_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	__u16 compat = 0;
	__u8 mode = 0;
	id = watched_nr(regs, id, &task, &compat, &mode);
	if (id < 0)
		return 0;
	__u64 pt = bpf_get_current_pid_tgid();
	if ((pt >> 32) == self_tgid)
		return 0;
	__u64 cgid = bpf_get_current_cgroup_id();
	bool inside = contained(task, cgid);
	if ((mode & BW_SC_CONTAINER) && !inside)
		return 0;

	__u32 zero = 0;
	struct bw_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->op = BW_OP_SYSCALL;
	e->flags = inside ? BW_F_CONTAINED : 0;
	e->nr = (__u16)id;
	if (!compat) {
		/* tp_btf: regs is a trusted BTF pointer, read directly (no helper call). */
		e->args[0] = regs->di;
		e->args[1] = regs->si;
		e->args[2] = regs->dx;
		e->args[3] = regs->r10;
		e->args[4] = regs->r8;
		e->args[5] = regs->r9;
	} else {
		/* the kernel uses the low 32 bits of each register: zero-extended, pointers stay valid */
		e->flags |= BW_F_COMPAT | (regs->cs == USER_CS_64 ? BW_F_COMPAT64 : 0);
		if (compat & BW_IA32_SOCKETCALL) {
			/* socketcall(call, u32 *args): the call's arguments are an array in user memory */
			__u32 sa[3] = {};
			bpf_probe_read_user(sa, sizeof(sa), (void *)(regs->cx & 0xffffffffULL));
			e->flags |= BW_F_SOCKETCALL;
			e->args[0] = sa[0];
			e->args[1] = sa[1];
			e->args[2] = sa[2];
			e->args[3] = 0;
			e->args[4] = 0;
			e->args[5] = 0;
		} else {
			e->args[0] = (__u32)regs->bx;
			e->args[1] = (__u32)regs->cx;
			e->args[2] = (__u32)regs->dx;
			e->args[3] = (__u32)regs->si;
			e->args[4] = (__u32)regs->di;
			e->args[5] = (__u32)regs->bp;
			if (compat & BW_IA32_UID16) {
				e->args[0] = uid16(e->args[0]);
				e->args[1] = uid16(e->args[1]);
				e->args[2] = uid16(e->args[2]);
			}
		}
	}
	e->aux[0] = 0;
	e->aux[1] = 0;
	clear_strs(e);
	if (!decode(e, task, id)) {
		count(BW_CNT_FILTERED);
		return 0;
	}
	if (rate_limited(cgid)) {
		count(BW_CNT_RATE_LIMITED);
		return 0;
	}
	fill_task(e, task);
	__u32 tid = (__u32)pt;
	if (bpf_map_update_elem(&inflight, &tid, e, BPF_ANY))
		count(BW_CNT_INFLIGHT_FULL);
	return 0;
}

/* A kept open event with write intent (open's, openat's or openat2's flags; creat always). */
static __always_inline bool open_writes(struct bw_event *e)
{
	__u64 fl;
	switch (e->nr) {
	case __NR_creat:
		return true;
	case __NR_open:
		fl = e->args[1];
		break;
	case __NR_openat:
		fl = e->args[2];
		break;
	case __NR_openat2:
		fl = e->aux[0];
		break;
	default:
		return false;
	}
	return OPEN_WRITES(fl);
}

/* The exit of a parked write open (exit_check): sent when the opened file is on a mount of another
 * mount namespace than the opener's, whatever path led there. */
static __always_inline void check_write_open(struct task_struct *task, long nr, long ret)
{
	struct bw_exit_check *p = bpf_task_storage_get(&exit_check, task, 0, 0);
	if (!p || !p->armed)
		return;
	p->armed = 0;
	struct bw_exit_check c = *p;
	if (c.nr != nr) /* the exit of another call: this open's exit was missed (attach time) */
		return;
	/* ETXTBSY: the file is an executable some process is running (CVE-2019-5736's first tries
	 * against a running runc); sent whatever the path, without a file to look at */
	struct file *f = 0;
	bool foreign = false;
	__u64 kmagic = 0;
	if (ret != -26 /* ETXTBSY */) {
		if (ret < 0)
			return;
		f = fd_file(task, ret);
		if (!f || !opened_file_matters(task, f, &foreign, &kmagic))
			return;
	}
	if (rate_limited(bpf_get_current_cgroup_id())) {
		count(BW_CNT_RATE_LIMITED);
		return;
	}
	__u32 zero = 0;
	struct bw_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return;
	e->op = BW_OP_SYSCALL;
	e->flags = c.flags;
	e->nr = c.nr;
	e->args[0] = c.args[0];
	e->args[1] = c.args[1];
	e->args[2] = c.args[2];
	e->args[3] = c.args[3];
	e->args[4] = 0;
	e->args[5] = 0;
	e->aux[0] = c.how;
	e->aux[1] = 0;
	clear_strs(e);
	read_user_str(e, 0, BW_STR0, (c.nr == __NR_open || c.nr == __NR_creat) ? c.args[0] : c.args[1]);
	mark_opened_file(e, f, foreign, kmagic);
	fill_task(e, task);
	e->ret = ret;
	e->ktime = bpf_ktime_get_boot_ns();
	emit(e);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(bw_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	struct task_struct *task;
	__u16 compat = 0;
	__u8 mode = 0;
	/* TS_COMPAT is still set here: it is cleared on the way back to user mode, after this tracepoint */
	long nr = watched_nr(regs, id, &task, &compat, &mode);
	if (nr < 0)
		return 0;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct bw_event *e = bpf_map_lookup_elem(&inflight, &tid);
	if (!e) {
		check_write_open(task, nr, ret);
		return 0;
	}
	if (e->nr == __NR_chdir || e->nr == __NR_fchdir) {
		/* only a working directory (or a descriptor) in another mount namespace matters: a leaked host
		 * directory (CVE-2024-21626); every ordinary cd stops here */
		bool cwd_foreign = foreign_mount(task, BPF_CORE_READ(task, fs, pwd.mnt));
		if (!cwd_foreign && !e->aux[0]) {
			bpf_map_delete_elem(&inflight, &tid);
			count(BW_CNT_FILTERED);
			return 0;
		}
		e->aux[1] = cwd_foreign;
		read_kernel_str(e, 1, BW_STR1, BPF_CORE_READ(task, fs, pwd.dentry, d_name.name));
	}
	/* a container's chroot that left its root in another mount namespace: a leaked host directory
	 * made the root (chroot("/proc/self/fd/N"), or "." after a fchdir), so absolute paths reach the node */
	if (e->nr == __NR_chroot && ret == 0 && (e->flags & BW_F_CONTAINED) &&
	    foreign_mount(task, BPF_CORE_READ(task, fs, root.mnt)))
		e->flags2 |= BW_F2_ROOT_FOREIGN;
	/* a kept write open (its name matched the filter): which kernel interface it really reached, if
	 * any — /proc/sysrq-trigger with core_pattern bound over it is core_pattern */
	if (ret >= 0 && (e->flags & BW_F_CONTAINED) && open_writes(e)) {
		struct file *f = fd_file(task, ret);
		__u64 kmagic = kernel_iface(f);
		if (kmagic)
			mark_kernel_file(e, f, kmagic);
	}
	e->ret = ret;
	e->ktime = bpf_ktime_get_boot_ns();
	emit(e);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

/* Module loading never reaches sys_exit with a result on kernels without modules? It does
 * (ENOSYS); nothing special is needed here, the pair above sees it. */

static __always_inline struct bw_event *scratch_event(__u8 op, struct task_struct *task)
{
	__u32 zero = 0;
	struct bw_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->op = op;
	e->nr = 0;
	e->ret = 0;
	e->aux[0] = 0;
	e->aux[1] = 0;
	e->args[0] = 0;
	e->args[1] = 0;
	clear_strs(e);
	e->ktime = bpf_ktime_get_boot_ns();
	fill_task(e, task);
	e->flags = contained(task, e->cgroup_id) ? BW_F_CONTAINED : 0;
	return e;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bw_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (p->tgid == self_tgid)
		return 0;
	struct bw_event *e = scratch_event(BW_OP_EXEC, p);
	if (!e)
		return 0;
	const char *fn = BPF_CORE_READ(bprm, filename);
	read_kernel_str(e, 0, BW_STR0, fn);
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	unsigned long len = end - start;
	if (len > BW_STR1 - 1)
		len = BW_STR1 - 1;
	if (bpf_probe_read_user(e->str1, len & (BW_STR1 - 1), (void *)start) == 0) {
		e->aux[0] = len;
		set_slen(e, 1, len);
	}
	struct file *f = BPF_CORE_READ(bprm, file);
	if (BPF_CORE_READ(f, f_inode, __i_nlink) == 0)
		e->flags |= BW_F_EXE_DELETED;
	/* set-id bits and owner of the executed file, the real ids after the exec, and whether the kernel
	 * raised privileges (secureexec: set-id honoured or file capabilities) */
	struct inode *ei = BPF_CORE_READ(f, f_inode);
	e->args[2] = BPF_CORE_READ(ei, i_mode);
	e->args[3] = (__u64)BPF_CORE_READ(ei, i_uid.val) | ((__u64)BPF_CORE_READ(ei, i_gid.val) << 32);
	e->args[4] = (__u64)BPF_CORE_READ(p, cred, uid.val) | ((__u64)BPF_CORE_READ(p, cred, gid.val) << 32);
	if (BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec))
		e->flags |= BW_F_SECUREEXEC;
	const unsigned char *dn = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	read_kernel_str(e, 2, BW_STR2, dn);
	/* a container process starting with its working (or root) directory in another mount namespace:
	 * inherited from a parent that entered a leaked host directory, or set up so by the runtime */
	if (e->flags & BW_F_CONTAINED) {
		if (foreign_mount(p, BPF_CORE_READ(p, fs, pwd.mnt)))
			e->flags2 |= BW_F2_CWD_FOREIGN;
		if (foreign_mount(p, BPF_CORE_READ(p, fs, root.mnt)))
			e->flags2 |= BW_F2_ROOT_FOREIGN;
		/* the program itself from another mount namespace (memfds and other internal mounts are not) */
		if (foreign_mount(p, BPF_CORE_READ(f, f_path.mnt)))
			e->flags2 |= BW_F2_EXE_FOREIGN;
	}
	emit(e);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(bw_fork, struct task_struct *parent, struct task_struct *child)
{
	if (child->pid != child->tgid)
		return 0;    /* a thread, not a process */
	struct bw_event *e = scratch_event(BW_OP_FORK, parent);
	if (!e)
		return 0;
	e->ppid = parent->tgid;
	e->pid = child->tgid;
	e->tid = child->pid;
	emit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(bw_exit, struct task_struct *p, bool group_dead)
{
	if (!group_dead || p->tgid == self_tgid)
		return 0;
	struct bw_event *e = scratch_event(BW_OP_EXIT, p);
	if (!e)
		return 0;
	e->args[0] = p->exit_code;
	emit(e);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(bw_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct bw_event *e = scratch_event(BW_OP_CGROUP_MKDIR, bpf_get_current_task_btf());
	if (!e)
		return 0;
	e->args[0] = BPF_CORE_READ(cgrp, kn, id);
	e->args[1] = BPF_CORE_READ(cgrp, level);
	e->aux[0] = BPF_CORE_READ(cgrp, root, hierarchy_id);
	read_kernel_str(e, 0, BW_STR0, path);
	emit(e);
	return 0;
}

/* A container's io_uring open: parked for its completion when it writes (kept: its submit was sent). */
static __noinline void park_ring_open(struct bw_event *e, __u64 key, __u64 flags, __u32 file_slot, __u32 kept)
{
	if (!OPEN_WRITES(flags)) {
		bpf_map_delete_elem(&ring_opens, &key);
		return;
	}
	__u32 zero = 0;
	struct bw_ring_open *v = bpf_map_lookup_elem(&ring_scratch, &zero);
	if (!v)
		return;
	if (bpf_probe_read_kernel_str(v->path, sizeof(v->path), e->str0) <= 0)
		v->path[0] = 0;
	v->flags = flags;
	v->file_slot = file_slot;
	v->kept = kept;
	bpf_map_update_elem(&ring_opens, &key, v, BPF_ANY);
}

/* True when the last component of path (a parked io_uring open's) is name (a dentry's), as far as
 * BW_NAME_KEY bytes tell. Uses path_scratch, as path_interesting does. */
static __noinline bool same_last_name(const char *path, const unsigned char *name)
{
	__u32 zero = 0;
	struct bw_path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!k)
		return false;
	if (bpf_probe_read_kernel_str(k->data, sizeof(k->data), path) <= 0)
		return false;
	struct basename_ctx bc = { .last = 0 };
	bpf_loop(BW_PATH_KEY - 1, basename_step, &bc, 0);
	char a[BW_NAME_KEY] = {};
	char b[BW_NAME_KEY] = {};
	bpf_probe_read_kernel_str(a, sizeof(a), &k->data[bc.last & (BW_PATH_KEY - 1)]);
	bpf_probe_read_kernel_str(b, sizeof(b), name);
	for (int i = 0; i < BW_NAME_KEY; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			break;
	}
	return true;
}

#define IORING_FILE_INDEX_ALLOC (~0U)
#define FFS_FLAGS 3UL /* FFS_NOWAIT | FFS_ISREG, in the low bits of io_rsrc_node.file_ptr */

/* The file an io_uring open installed: descriptor res, or a fixed-file slot (file_slot - 1, or res
 * when the kernel picked the slot). */
static __always_inline struct file *ring_open_file(struct task_struct *task, struct io_kiocb *req, __u32 file_slot, long res)
{
	if (!file_slot)
		return fd_file(task, res);
	__u32 idx = file_slot == IORING_FILE_INDEX_ALLOC ? (__u32)res : file_slot - 1;
	struct io_ring_ctx *ctx = BPF_CORE_READ(req, ctx);
	if (idx >= BPF_CORE_READ(ctx, file_table.data.nr))
		return 0;
	struct io_rsrc_node **nodes = BPF_CORE_READ(ctx, file_table.data.nodes);
	struct io_rsrc_node *node = 0;
	bpf_probe_read_kernel(&node, sizeof(node), &nodes[idx]);
	if (!node)
		return 0;
	return (struct file *)(BPF_CORE_READ(node, file_ptr) & ~FFS_FLAGS);
}

/* The completion of a parked io_uring write open: sent when the opened file is on a mount of another
 * mount namespace, or is a kernel interface (as check_write_open does for the syscalls). Completions
 * run in the submitter's threads (its task work, its io-wq workers, its SQPOLL thread). */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(bw_io_uring_done, struct io_ring_ctx *ring, void *reqp, struct io_uring_cqe *cqe)
{
	struct io_kiocb *req = reqp;
	__u8 op = BPF_CORE_READ(req, opcode);
	if (op != IORING_OP_OPENAT && op != IORING_OP_OPENAT2)
		return 0;
	__u64 key = (__u64)req;
	struct bw_ring_open *p = bpf_map_lookup_elem(&ring_opens, &key);
	if (!p)
		return 0;
	__u64 flags = p->flags;
	__u32 file_slot = p->file_slot;
	__u32 kept = p->kept;
	long res = BPF_CORE_READ(req, cqe.res);
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *f = 0;
	bool foreign = false;
	__u64 kmagic = 0;
	if (kept) {
		/* judged by its name at the submit already: only a kernel interface reached under another
		 * name (core_pattern bound over a sysctl the filter keeps) is news */
		if (res < 0)
			goto done;
		f = ring_open_file(task, req, file_slot, res);
		if (!f)
			goto done;
		kmagic = kernel_iface(f);
		if (!kmagic || same_last_name(p->path, BPF_CORE_READ(f, f_path.dentry, d_name.name)))
			goto done;
	} else if (res != -26 /* ETXTBSY */) {
		if (res < 0)
			goto done;
		f = ring_open_file(task, req, file_slot, res);
		if (!f || !opened_file_matters(task, f, &foreign, &kmagic))
			goto done;
	}
	if (rate_limited(bpf_get_current_cgroup_id())) {
		count(BW_CNT_RATE_LIMITED);
		goto done;
	}
	struct bw_event *e = scratch_event(BW_OP_IOURING, task);
	if (!e)
		goto done;
	e->nr = op;
	e->args[0] = flags;
	read_kernel_str(e, 0, BW_STR0, p->path);
	mark_opened_file(e, f, foreign, kmagic);
	e->ret = res;
	emit(e);
done:
	bpf_map_delete_elem(&ring_opens, &key);
	return 0;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(bw_io_uring, struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);
	if (op != IORING_OP_OPENAT && op != IORING_OP_OPENAT2 && op != IORING_OP_CONNECT)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (!contained(task, bpf_get_current_cgroup_id()))
		return 0;
	struct bw_event *e = scratch_event(BW_OP_IOURING, task);
	if (!e)
		return 0;
	e->nr = op;
	if (op == IORING_OP_CONNECT) {
		struct io_connect *c = (void *)req;
		void *addr = BPF_CORE_READ(c, addr);
		if (!decode_sockaddr(e, (__u64)addr))
			return 0;
	} else {
		struct io_open *o = (void *)req;
		const char *name = BPF_CORE_READ(o, filename, name);
		read_kernel_str(e, 0, BW_STR0, name);
		__u64 flags = BPF_CORE_READ(o, how.flags);
		e->args[0] = flags;
		__u64 key = (__u64)req;
		if (!path_interesting(e, flags)) {
			count(BW_CNT_FILTERED);
			park_ring_open(e, key, flags, BPF_CORE_READ(o, file_slot), 0);
			return 0;
		}
		park_ring_open(e, key, flags, BPF_CORE_READ(o, file_slot), 1);
		resolve_proc_fd(e, task);
	}
	emit(e);
	return 0;
}
