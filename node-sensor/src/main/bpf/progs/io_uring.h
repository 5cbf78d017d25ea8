/* SPDX-License-Identifier: GPL-2.0 */
/* Programs on io_uring: submitted opens and connects (the io_uring door past the syscall table), and
 * the completion of container write opens. */
#ifndef BW_PROG_IO_URING_H
#define BW_PROG_IO_URING_H

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

#endif
