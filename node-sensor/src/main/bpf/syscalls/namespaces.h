/* SPDX-License-Identifier: GPL-2.0 */
/* Namespace doors: setns (what the descriptor is: a namespace, a pidfd, something else), unshare,
 * clone and clone3 with namespace flags. */
#ifndef BW_NAMESPACES_H
#define BW_NAMESPACES_H

static __always_inline int decode_namespaces(struct bw_event *e, struct task_struct *task, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
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
		return BW_KEEP;
	}
	case __NR_unshare:
		return BW_KEEP;
	case __NR_clone:
		return (a[0] & CLONE_NS_FLAGS) != 0;
	case __NR_clone3: {
		__u64 flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)a[0]);
		e->aux[0] = flags;
		return (flags & CLONE_NS_FLAGS) != 0;
	}
	default:
		return BW_OTHER;
	}
}

#endif
