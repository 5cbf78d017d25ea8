/* SPDX-License-Identifier: GPL-2.0 */
/* Paths: the open path filter (prefix trie, last-component names), the directory a relative name
 * is relative to, /proc/<pid>/fd/N resolution, kernel interfaces reached under another name, and
 * parking a container's write open for its exit. */
#ifndef BW_PATHS_H
#define BW_PATHS_H

/* A container process's relative open whose directory (cwd for AT_FDCWD, else dirfd's) is on a mount
 * of another mount namespace: a leaked host directory (CVE-2024-21626), whatever the name. */
static __always_inline bool dir_foreign(struct bw_event *e, struct task_struct *task, char first, long dirfd)
{
	if (!(e->flags & BW_F_CONTAINED) || first == '/' || first == 0)
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

/* An open the path filter let go (first: its name's first character): kept when its relative name sits
 * under a directory of another mount namespace (BW_F2_DIR_FOREIGN), else parked for the exit check when
 * it writes. A subprogram of its own, so the three open doors do not each carry it inline in
 * bw_sys_enter. Returns true when kept. */
static __noinline bool open_filtered(struct bw_event *e, struct task_struct *task, char first, long dirfd, __u64 oflags)
{
	if (dir_foreign(e, task, first, dirfd)) {
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

/* Whether a last component of len bytes from first to last character may be a key of path_names: its bit
 * in name_bloom (user space sets the bits of every name it puts in the map, with the same hash). Most
 * names an open uses are not watched: they skip the key's copy and the hash lookup. */
static __always_inline bool name_may_match(int len, char first, char last)
{
	__u32 h = BW_NAME_HASH(len, (__u8)first, (__u8)last);
	return (name_bloom[(h >> 6) & (BW_NAME_BLOOM_WORDS - 1)] >> (h & 63)) & 1;
}

/* The open path filter on the name in path_scratch (n: the length its read returned, with the NUL): an
 * LPM prefix, or a sensitive last component (path_names; the /proc/<pid>/fd/ door of write opens). Called
 * before anything else is read for the open: most opens end here. A subprogram: the three open doors and
 * io_uring's share it. */
static __noinline bool path_filter(long n, __u64 oflags)
{
	__u32 zero = 0;
	struct bw_path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!k || n <= 1 || n > BW_PATH_KEY)
		return false;
	bool write = OPEN_WRITES(oflags);
	k->prefixlen = (__u32)(n - 1) * 8;
	__u32 *v = bpf_map_lookup_elem(&path_prefixes, k);
	if (v && ((*v & BW_PATH_ANY) || ((*v & BW_PATH_WRITE) && write)))
		return true;

	/* The last component, found from the end: names are short. One longer than any key of path_names
	 * (BW_NAME_KEY - 1 bytes) matches none; only the /proc/<pid>/fd/ test below still needs where it
	 * starts, found then by a scan from the start (bpf_loop: the verifier checks the callback once). */
	int end = (int)n - 1;
	int last = -1;
#pragma unroll
	for (int j = 1; j <= BW_NAME_KEY; j++) {
		int i = end - j;
		if (i < 0) {
			last = 0;
			break;
		}
		__u32 at = (__u32)i;
		barrier_var(at);
		if (k->data[at & (BW_PATH_KEY - 1)] == '/') {
			last = i + 1;
			break;
		}
	}
	bool under_proc = k->data[0] == '/' && k->data[1] == 'p' && k->data[2] == 'r' && k->data[3] == 'o' &&
			  k->data[4] == 'c' && k->data[5] == '/';
	/* indexes masked after a barrier: the compiler knows they are in range and would drop the masks the
	 * verifier needs */
	__u32 lo = (__u32)last, hi = (__u32)(end - 1);
	barrier_var(lo);
	barrier_var(hi);
	lo &= BW_PATH_KEY - 1;
	hi &= BW_PATH_KEY - 1;
	if (last >= 0 && end > last && name_may_match(end - last, k->data[lo], k->data[hi])) {
		char name[BW_NAME_KEY] = {};
		bpf_probe_read_kernel_str(name, sizeof(name), &k->data[lo]);
		v = bpf_map_lookup_elem(&path_names, name);
		if (v) {
			bool relative = k->data[0] != '/';
			if ((*v & BW_PATH_PROC) && !under_proc && !relative)
				return false;
			if ((*v & BW_PATH_ANY) || ((*v & BW_PATH_WRITE) && write))
				return true;
		}
	}
	/* Write opens of /proc/<pid>/fd/<n> (CVE-2019-5736 reopens an O_PATH descriptor of the runtime's
	 * binary for write; /proc/self/fd/ and /proc/thread-self/fd/ are prefixes above). */
	if (write && under_proc) {
		if (last < 0) {
			struct basename_ctx bc = { .last = 0 };
			bpf_loop(BW_PATH_KEY - 1, basename_step, &bc, 0);
			last = bc.last;
		}
		if (last >= 11) {
			__u32 l = (__u32)last;
			barrier_var(l);
			l &= BW_PATH_KEY - 1;
			if (k->data[(l - 4) & (BW_PATH_KEY - 1)] == '/' && k->data[(l - 3) & (BW_PATH_KEY - 1)] == 'f' &&
			    k->data[(l - 2) & (BW_PATH_KEY - 1)] == 'd' && k->data[(l - 1) & (BW_PATH_KEY - 1)] == '/')
				return true;
		}
	}
	return false;
}

/* path_filter for a name already in e->str0 (io_uring's, read from the kernel): copied into the key first. */
static __always_inline bool path_interesting(struct bw_event *e, __u64 oflags)
{
	__u32 zero = 0;
	struct bw_path_key *k = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!k)
		return false;
	return path_filter(bpf_probe_read_kernel_str(k->data, sizeof(k->data), e->str0), oflags);
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

#endif
