// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel integrity checks (vector kernel-rootkit-hooks), run on demand by
 * io.bulwark.sensor.integrity.IntegrityChecker. Nothing here is attached to a hot path:
 *
 *   bwi_text   raw_tp, run with BPF_PROG_TEST_RUN from the checker's own thread: copies kernel
 *              text (address and length per request, from /proc/kallsyms) into text_out.
 *   bwi_ptrs   raw_tp, run the same way: for file descriptors the checker opened (/proc, /proc/net/tcp …)
 *              reads the function pointers the kernel will call (file->f_op, inode->i_op, the seq_file's
 *              seq_operations) into ptr_out. The checker issues the test run, so `current` is its thread
 *              and the descriptors are its own.
 *   bwi_tasks  iter/task: one record per thread group leader from the kernel's task list, the
 *              "truth" that /proc's readdir is compared with (hidden processes).
 *
 * Layouts are mirrored by io.bulwark.sensor.probe.KernelReader; BpfLayoutTest-style checks pin them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define BWI_MAX_TEXT 512   /* requests per test run */
#define BWI_CHUNK 256      /* bytes per request at most */
#define BWI_MAX_FILES 16
#define BWI_PTRS 16

struct bwi_text_req {
	__u64 addr;
	__u32 len;
	__u32 pad;
};

struct bwi_text_out {
	__s64 err;            /* bpf_probe_read_kernel's result: 0 or -errno */
	__u8 bytes[BWI_CHUNK];
};

/* What to read behind a descriptor (bwi_file_req.kind, bit set). */
#define BWI_FOPS  0x1      /* file->f_op members */
#define BWI_IOPS  0x2      /* file->f_inode->i_op members */
#define BWI_SEQ   0x4      /* ((struct seq_file *)file->private_data)->op members */

struct bwi_file_req {
	__s32 fd;
	__u32 kind;
};

/*
 * ptrs[] order (mirrored in Java):
 *  0 f_op (the table's own address)  1 llseek  2 read  3 write  4 read_iter  5 write_iter
 *  6 iterate_shared  7 open  8 release  9 unlocked_ioctl  10 mmap
 * 11 i_op (table address)  12 lookup  13 getattr  14 seq op (table address)  15 seq show
 * seq start/next/stop follow in seq[].
 */
struct bwi_file_out {
	__s64 err;            /* 0, or -ENOENT when the descriptor is not open */
	__u64 ptrs[BWI_PTRS];
	__u64 seq[3];         /* start, next, stop */
};

struct bwi_task_rec {
	__u32 tgid;
	__u32 nr_threads;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWI_MAX_TEXT);
	__type(key, __u32);
	__type(value, struct bwi_text_req);
} text_req SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWI_MAX_TEXT);
	__type(key, __u32);
	__type(value, struct bwi_text_out);
} text_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWI_MAX_FILES);
	__type(key, __u32);
	__type(value, struct bwi_file_req);
} file_req SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BWI_MAX_FILES);
	__type(key, __u32);
	__type(value, struct bwi_file_out);
} file_out SEC(".maps");

/* [0] = number of text requests, [1] = number of file requests, [2] = tid allowed to run the readers. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ctl SEC(".maps");

/* Keep the shared structs in BTF so a test can check the Java offsets. */
struct bwi_text_req *unused_text_req __attribute__((unused));
struct bwi_text_out *unused_text_out __attribute__((unused));
struct bwi_file_req *unused_file_req __attribute__((unused));
struct bwi_file_out *unused_file_out __attribute__((unused));
struct bwi_task_rec *unused_task_rec __attribute__((unused));

static __always_inline __u32 ctl_get(__u32 i)
{
	__u32 *v = bpf_map_lookup_elem(&ctl, &i);
	return v ? *v : 0;
}

/* Only the checker's own thread may drive the readers (a test run from elsewhere does nothing). */
static __always_inline int caller_allowed(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	return tid != 0 && tid == ctl_get(2);
}

static long read_text(__u32 i, void *unused)
{
	struct bwi_text_req *rq = bpf_map_lookup_elem(&text_req, &i);
	struct bwi_text_out *out = bpf_map_lookup_elem(&text_out, &i);
	if (!rq || !out)
		return 1;
	__u32 len = rq->len;
	if (len == 0 || len > BWI_CHUNK) {
		out->err = -22;
		return 0;
	}
	out->err = bpf_probe_read_kernel(out->bytes, len, (const void *)rq->addr);
	return 0;
}

SEC("raw_tp")
int bwi_text(void *ctx)
{
	if (!caller_allowed())
		return 1;
	__u32 n = ctl_get(0);
	if (n > BWI_MAX_TEXT)
		n = BWI_MAX_TEXT;
	bpf_loop(n, read_text, NULL, 0);
	return 0;
}

static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	struct files_struct *files = BPF_CORE_READ(task, files);
	if (!files)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(files, fdt);
	if (!fdt)
		return NULL;
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if (fd < 0 || (unsigned int)fd >= max)
		return NULL;
	struct file **arr = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

static long read_file(__u32 i, void *unused)
{
	struct bwi_file_req *rq = bpf_map_lookup_elem(&file_req, &i);
	struct bwi_file_out *out = bpf_map_lookup_elem(&file_out, &i);
	if (!rq || !out)
		return 1;
	__builtin_memset(out->ptrs, 0, sizeof(out->ptrs));
	__builtin_memset(out->seq, 0, sizeof(out->seq));
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *f = fd_file(task, rq->fd);
	if (!f) {
		out->err = -2;
		return 0;
	}
	out->err = 0;
	if (rq->kind & BWI_FOPS) {
		const struct file_operations *fop = BPF_CORE_READ(f, f_op);
		out->ptrs[0] = (__u64)fop;
		if (fop) {
			out->ptrs[1] = (__u64)BPF_CORE_READ(fop, llseek);
			out->ptrs[2] = (__u64)BPF_CORE_READ(fop, read);
			out->ptrs[3] = (__u64)BPF_CORE_READ(fop, write);
			out->ptrs[4] = (__u64)BPF_CORE_READ(fop, read_iter);
			out->ptrs[5] = (__u64)BPF_CORE_READ(fop, write_iter);
			out->ptrs[6] = (__u64)BPF_CORE_READ(fop, iterate_shared);
			out->ptrs[7] = (__u64)BPF_CORE_READ(fop, open);
			out->ptrs[8] = (__u64)BPF_CORE_READ(fop, release);
			out->ptrs[9] = (__u64)BPF_CORE_READ(fop, unlocked_ioctl);
			out->ptrs[10] = (__u64)BPF_CORE_READ(fop, mmap);
		}
	}
	if (rq->kind & BWI_IOPS) {
		const struct inode_operations *iop = BPF_CORE_READ(f, f_inode, i_op);
		out->ptrs[11] = (__u64)iop;
		if (iop) {
			out->ptrs[12] = (__u64)BPF_CORE_READ(iop, lookup);
			out->ptrs[13] = (__u64)BPF_CORE_READ(iop, getattr);
		}
	}
	if (rq->kind & BWI_SEQ) {
		struct seq_file *sf = BPF_CORE_READ(f, private_data);
		const struct seq_operations *op = sf ? BPF_CORE_READ(sf, op) : NULL;
		out->ptrs[14] = (__u64)op;
		if (op) {
			out->ptrs[15] = (__u64)BPF_CORE_READ(op, show);
			out->seq[0] = (__u64)BPF_CORE_READ(op, start);
			out->seq[1] = (__u64)BPF_CORE_READ(op, next);
			out->seq[2] = (__u64)BPF_CORE_READ(op, stop);
		}
	}
	return 0;
}

SEC("raw_tp")
int bwi_ptrs(void *ctx)
{
	if (!caller_allowed())
		return 1;
	__u32 n = ctl_get(1);
	if (n > BWI_MAX_FILES)
		n = BWI_MAX_FILES;
	bpf_loop(n, read_file, NULL, 0);
	return 0;
}

SEC("iter/task")
int bwi_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	/* One record per process: the thread group leader (what /proc lists). */
	if (task->pid != task->tgid)
		return 0;
	struct bwi_task_rec r = {};
	r.tgid = task->tgid;
	r.nr_threads = BPF_CORE_READ(task, signal, nr_threads);
	bpf_probe_read_kernel_str(r.comm, sizeof(r.comm), task->comm);
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
