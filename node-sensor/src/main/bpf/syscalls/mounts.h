/* SPDX-License-Identifier: GPL-2.0 */
/* Mount doors: mount, the new mount API (fsopen, fsconfig, fsmount, move_mount, open_tree), chroot and
 * pivot_root; at exit, a chroot that left the root in another mount namespace. */
#ifndef BW_MOUNTS_H
#define BW_MOUNTS_H

static __always_inline int decode_mounts(struct bw_event *e, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
	case __NR_mount:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		read_user_str(e, 2, BW_STR2, a[2]);
		return BW_KEEP;
	case __NR_fsopen:
		read_user_str(e, 2, BW_STR2, a[0]);
		return BW_KEEP;
	case __NR_fsconfig:
		read_user_str(e, 2, BW_STR2, a[2]);
		if (a[1] == 1 /* FSCONFIG_SET_STRING */ || a[1] == 3 /* SET_PATH */ || a[1] == 4 /* SET_PATH_EMPTY */)
			read_user_str(e, 0, BW_STR0, a[3]);
		return BW_KEEP;
	case __NR_fsmount:
		return BW_KEEP;
	case __NR_move_mount:
		read_user_str(e, 0, BW_STR0, a[1]);
		read_user_str(e, 1, BW_STR1, a[3]);
		return BW_KEEP;
	case __NR_open_tree:
		read_user_str(e, 0, BW_STR0, a[1]);
		return BW_KEEP;
	case __NR_chroot:
		read_user_str(e, 0, BW_STR0, a[0]);
		return BW_KEEP;
	case __NR_pivot_root:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		return BW_KEEP;
	default:
		return BW_OTHER;
	}
}

/* A container's chroot that left its root in another mount namespace: a leaked host directory made the
 * root (chroot("/proc/self/fd/N"), or "." after a fchdir), so absolute paths reach the node. */
static __always_inline void exit_chroot(struct bw_event *e, struct task_struct *task, long ret)
{
	if (e->nr == __NR_chroot && ret == 0 && (e->flags & BW_F_CONTAINED) &&
	    foreign_mount(task, BPF_CORE_READ(task, fs, root.mnt)))
		e->flags2 |= BW_F2_ROOT_FOREIGN;
}

#endif
