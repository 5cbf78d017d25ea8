/* SPDX-License-Identifier: GPL-2.0 */
/* Files and directories other than opens: device nodes, symlinks, links, renames and unlinks (with the
 * directory of a container's relative name), chdir/fchdir (judged at exit), dup2/dup3 onto the standard
 * descriptors, splice, memfd_create. */
#ifndef BW_FILES_H
#define BW_FILES_H

static __always_inline int decode_files(struct bw_event *e, struct task_struct *task, long nr)
{
	__u64 *a = e->args;
	switch (nr) {
	case __NR_memfd_create:
		read_user_str(e, 0, BW_STR2, a[0]);
		return BW_KEEP;
	case __NR_mknod:
		read_user_str(e, 0, BW_STR0, a[0]);
		return BW_KEEP;
	case __NR_mknodat:
		read_user_str(e, 0, BW_STR0, a[1]);
		return BW_KEEP;
	case __NR_symlink:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		if (e->str1[0] != '/')
			entry_dir(e, task, -100, 2);
		return BW_KEEP;
	case __NR_symlinkat:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[2]);
		if (e->str1[0] != '/')
			entry_dir(e, task, (int)a[1], 2);
		return BW_KEEP;
	case __NR_link:
	case __NR_rename:
		read_user_str(e, 0, BW_STR0, a[0]);
		read_user_str(e, 1, BW_STR1, a[1]);
		if (e->str1[0] != '/')
			entry_dir(e, task, -100, 2);
		return BW_KEEP;
	case __NR_linkat:
	case __NR_renameat:
	case __NR_renameat2:
		read_user_str(e, 0, BW_STR0, a[1]);
		read_user_str(e, 1, BW_STR1, a[3]);
		if (e->str1[0] != '/')
			entry_dir(e, task, (int)a[2], 2);
		return BW_KEEP;
	case __NR_unlink:
		read_user_str(e, 0, BW_STR0, a[0]);
		if (e->str0[0] != '/')
			entry_dir(e, task, -100, 1);
		return BW_KEEP;
	case __NR_unlinkat:
		read_user_str(e, 0, BW_STR0, a[1]);
		if (e->str0[0] != '/')
			entry_dir(e, task, (int)a[0], 1);
		return BW_KEEP;
	case __NR_chdir:
		/* judged at exit, by where the working directory is then */
		read_user_str(e, 0, BW_STR0, a[0]);
		return BW_KEEP;
	case __NR_fchdir: {
		struct file *f = fd_file(task, a[0]);
		e->aux[0] = f && foreign_mount(task, BPF_CORE_READ(f, f_path.mnt));
		return BW_KEEP;
	}
	case __NR_dup2:
	case __NR_dup3:
		if (a[1] > 2)
			return BW_DROP;
		e->aux[0] = fd_mode(task, a[0]);
		return BW_KEEP;
	case __NR_splice:
		e->aux[0] = fd_mode(task, a[0]);
		e->aux[1] = fd_mode(task, a[2]);
		return BW_KEEP;
	default:
		return BW_OTHER;
	}
}

/* The exit of chdir or fchdir: kept only when the working directory (or the descriptor) is in another
 * mount namespace: a leaked host directory (CVE-2024-21626); every ordinary cd stops here (false). */
static __always_inline bool exit_chdir(struct bw_event *e, struct task_struct *task)
{
	bool cwd_foreign = foreign_mount(task, BPF_CORE_READ(task, fs, pwd.mnt));
	if (!cwd_foreign && !e->aux[0])
		return false;
	e->aux[1] = cwd_foreign;
	read_kernel_str(e, 1, BW_STR1, BPF_CORE_READ(task, fs, pwd.dentry, d_name.name));
	return true;
}

#endif
