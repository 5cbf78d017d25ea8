/* SPDX-License-Identifier: GPL-2.0 */
/* Opens: open, creat, openat, openat2 through the path filter (paths.h), the handle calls; at exit,
 * the kernel interface a kept write open really reached, and the check of a parked write open. */
#ifndef BW_OPENS_H
#define BW_OPENS_H

/* The name of an open (user pointer uname) through the filter: read once, straight into the filter's key
 * (path_scratch), and copied into str0 only when the open is kept; a kept absolute name is then resolved
 * if it is a /proc/N/fd/M, a relative one gets its directory (str1). Returns BW_KEEP or BW_DROP. */
static __always_inline int open_name(struct bw_event *e, struct task_struct *task, __u64 uname, long dirfd, __u64 oflags)
{
	__u32 zero = 0;
	struct bw_path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!k)
		return BW_DROP;
	long n = bpf_probe_read_user_str(k->data, sizeof(k->data), (const void *)uname);
	if (n <= 0)
		k->data[0] = 0;
	char first = k->data[0];
	if (!path_filter(n, oflags) && !open_filtered(e, task, first, dirfd, oflags))
		return BW_DROP;
	if (n > 0) {
		read_kernel_str(e, 0, BW_STR0, k->data);
		if (n == BW_STR0)
			e->flags |= BW_F_TRUNCATED;
	}
	if (first == '/')
		resolve_proc_fd(e, task);
	else
		dir_path(e, task, dirfd);
	return BW_KEEP;
}

static __always_inline int decode_opens(struct bw_event *e, struct task_struct *task, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
	case __NR_open:
	case __NR_creat:
		return open_name(e, task, a[0], -100, nr == __NR_creat ? 01 | O_CREAT | O_TRUNC : a[1]);
	case __NR_openat:
		return open_name(e, task, a[1], (int)a[0], a[2]);
	case __NR_openat2: {
		__u64 how_flags = 0;
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)a[2]);
		e->aux[0] = how_flags;
		return open_name(e, task, a[1], (int)a[0], how_flags);
	}
	case __NR_name_to_handle_at:
		read_user_str(e, 0, BW_STR0, a[1]);
		return BW_KEEP;
	case __NR_open_by_handle_at:
		return BW_KEEP;
	default:
		return BW_OTHER;
	}
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
static __always_inline void check_write_open(struct task_struct *task, struct bw_exit_check *p, long nr, long ret)
{
	if (!p->armed)
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

/* The exit of a kept open (its name matched the filter) by a container process with write intent:
 * which kernel interface it really reached, if any — /proc/sysrq-trigger with core_pattern bound
 * over it is core_pattern. */
static __always_inline void exit_open(struct bw_event *e, struct task_struct *task, long ret)
{
	if (ret >= 0 && (e->flags & BW_F_CONTAINED) && open_writes(e)) {
		struct file *f = fd_file(task, ret);
		__u64 kmagic = kernel_iface(f);
		if (kmagic)
			mark_kernel_file(e, f, kmagic);
	}
}

#endif
