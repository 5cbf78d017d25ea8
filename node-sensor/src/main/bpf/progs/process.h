/* SPDX-License-Identifier: GPL-2.0 */
/* Programs on the process life cycle: exec, fork, exit, and cgroup_mkdir for live container discovery. */
#ifndef BW_PROG_PROCESS_H
#define BW_PROG_PROCESS_H

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

#endif
