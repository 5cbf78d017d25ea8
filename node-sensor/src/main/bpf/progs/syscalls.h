/* SPDX-License-Identifier: GPL-2.0 */
/* Programs tp_btf/sys_enter and tp_btf/sys_exit: every watched syscall, decoded at entry and sent
 * at exit with its result. */
#ifndef BW_PROG_SYSCALLS_H
#define BW_PROG_SYSCALLS_H

/* Decodes the arguments of watched syscall nr into e, by family (syscalls/). Returns false when
 * the call does not matter; a watched syscall no family knows is sent with its raw arguments. */
static __always_inline bool decode(struct bw_event *e, struct task_struct *task, long nr)
{
	int r = decode_opens(e, task, nr);
	if (r == BW_OTHER)
		r = decode_files(e, task, nr);
	if (r == BW_OTHER)
		r = decode_namespaces(e, task, nr);
	if (r == BW_OTHER)
		r = decode_mounts(e, nr);
	if (r == BW_OTHER)
		r = decode_kernel(e, nr);
	if (r == BW_OTHER)
		r = decode_creds(e, nr);
	if (r == BW_OTHER)
		r = decode_net(e, nr);
	return r != BW_DROP;
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
	if (task->tgid == self_tgid)
		return 0;
	bool inside = contained(task, 0);
	if ((mode & BW_SC_CONTAINER) && !inside)
		return 0;

	__u32 zero = 0;
	struct bw_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->op = BW_OP_SYSCALL;
	e->flags = inside ? BW_F_CONTAINED : 0;
	e->nr = (__u16)id;
	load_args(e, regs, compat);
	e->aux[0] = 0;
	e->aux[1] = 0;
	clear_strs(e);
	if (!decode(e, task, id)) {
		count(BW_CNT_FILTERED);
		return 0;
	}
	if (rate_limited(bpf_get_current_cgroup_id())) {
		count(BW_CNT_RATE_LIMITED);
		return 0;
	}
	fill_task(e, task);
	__u32 tid = task->pid;
	if (bpf_map_update_elem(&inflight, &tid, e, BPF_ANY)) {
		count(BW_CNT_INFLIGHT_FULL);
		return 0;
	}
	/* tell the exit to look in inflight (without the mark it would not: lost, and counted so) */
	struct bw_exit_check *slot = bpf_task_storage_get(&exit_check, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (slot) {
		slot->parked = 1;
	} else {
		bpf_map_delete_elem(&inflight, &tid);
		count(BW_CNT_INFLIGHT_FULL);
	}
	return 0;
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
	/* the thread's slot says what waits for this exit: nothing for most watched syscalls (dropped at
	 * their entry), a parked write open, or an event in inflight */
	struct bw_exit_check *slot = bpf_task_storage_get(&exit_check, task, 0, 0);
	if (!slot)
		return 0;
	if (!slot->parked) {
		check_write_open(task, slot, nr, ret);
		return 0;
	}
	slot->parked = 0;
	__u32 tid = task->pid;
	struct bw_event *e = bpf_map_lookup_elem(&inflight, &tid);
	if (!e)
		return 0;
	if ((e->nr == __NR_chdir || e->nr == __NR_fchdir) && !exit_chdir(e, task)) {
		bpf_map_delete_elem(&inflight, &tid);
		count(BW_CNT_FILTERED);
		return 0;
	}
	exit_chroot(e, task, ret);
	exit_open(e, task, ret);
	e->ret = ret;
	e->ktime = bpf_ktime_get_boot_ns();
	emit(e);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

#endif
