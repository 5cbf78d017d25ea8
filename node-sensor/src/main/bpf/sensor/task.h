/* SPDX-License-Identifier: GPL-2.0 */
/* The task behind an event: its namespaces, whether it is contained, its identity fields, its
 * descriptors and whether a mount is in another mount namespace than its own. */
#ifndef BW_TASK_H
#define BW_TASK_H

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

/* A task in a container: a mount or pid namespace other than the host's, or a known container's cgroup
 * (cgid; 0: read it here, only when the namespaces did not already say). */
static __always_inline bool contained(struct task_struct *task, __u64 cgid)
{
	/* Direct loads through the BTF task pointer: no helper calls on this path. */
	struct nsproxy *nsp = task->nsproxy;
	if (nsp) {
		__u32 mnt = nsp->mnt_ns->ns.inum;
		if (mnt != host_mnt_ns)
			return true;
		if (active_pid_ns(task, 0) != host_pid_ns)
			return true;
	}
	if (!cgid)
		cgid = bpf_get_current_cgroup_id();
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

#endif
