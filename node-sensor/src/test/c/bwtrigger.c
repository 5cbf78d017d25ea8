/*
 * bwtrigger: issues one escape-related syscall, exactly, so that tests can check the sensor
 * sees it. Static, copied into test container rootfs. Prints "rc=<n> errno=<e>" and exits 0
 * whether the syscall succeeded or not (failed attempts are events too).
 *
 *   bwtrigger <action> [args...]    (see usage())
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/capability.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/wait.h>

static int report(const char *what, long rc)
{
	printf("%s rc=%ld errno=%d\n", what, rc, rc < 0 ? errno : 0);
	fflush(stdout);
	return 0;
}

static int io_uring_one_on(struct io_uring_sqe *tmpl, const char *what, int fixed_slot)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		return report("io_uring_setup", fd);
	if (fixed_slot) {
		/* one empty slot of a registered file table: the open installs its file there, no descriptor */
		int fds[1] = { -1 };
		long rr = syscall(__NR_io_uring_register, fd, IORING_REGISTER_FILES, fds, 1);
		if (rr < 0)
			return report("io_uring_register", rr);
	}
	size_t sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	void *sq = mmap(0, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	size_t cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	void *cq = mmap(0, cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	if (sq == MAP_FAILED || sqes == MAP_FAILED || cq == MAP_FAILED)
		return report("io_uring_mmap", -1);
	unsigned *tail = (unsigned *)((char *)sq + p.sq_off.tail);
	unsigned *mask = (unsigned *)((char *)sq + p.sq_off.ring_mask);
	unsigned *array = (unsigned *)((char *)sq + p.sq_off.array);
	unsigned idx = *tail & *mask;
	sqes[idx] = *tmpl;
	array[idx] = idx;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	long rc = syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	unsigned *chead = (unsigned *)((char *)cq + p.cq_off.head);
	unsigned *cmask = (unsigned *)((char *)cq + p.cq_off.ring_mask);
	int res = cqes[*chead & *cmask].res;
	printf("%s enter=%ld res=%d\n", what, rc, res);
	return 0;
}

static int io_uring_one(struct io_uring_sqe *tmpl, const char *what)
{
	return io_uring_one_on(tmpl, what, 0);
}

/* One io_uring OPENAT of path, through the same ring code as the other io_uring actions; fixed: into
 * fixed-file slot 0 of a registered table (sqe.file_index 1), no descriptor. */
static int io_uring_openat_in(const char *path, int flags, int fixed)
{
	struct io_uring_sqe sqe;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_OPENAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)path;
	sqe.open_flags = flags;
	sqe.file_index = fixed ? 1 : 0;
	return io_uring_one_on(&sqe, fixed ? "io_uring_openat_fixed" : "io_uring_openat", fixed);
}

static int io_uring_openat(const char *path, int flags)
{
	return io_uring_openat_in(path, flags, 0);
}

static void usage(void);
#define ARG(i) (argc > (i) ? argv[i] : (usage(), ""))

/* --- additions for the escape ruleset scenarios (rules.scenarios) --- */


static int io_uring_openat2(const char *path)
{
	static struct open_how how = { .flags = O_WRONLY };
	struct io_uring_sqe sqe;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_OPENAT2;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)path;
	sqe.len = sizeof(how);
	sqe.off = (unsigned long)&how;
	return io_uring_one(&sqe, "io_uring_openat2");
}

static int io_uring_connect_unix(const char *path)
{
	static struct sockaddr_un sa;
	sa.sun_family = AF_UNIX;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct io_uring_sqe sqe;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_CONNECT;
	sqe.fd = s;
	sqe.addr = (unsigned long)&sa;
	sqe.off = sizeof(sa);
	return io_uring_one(&sqe, "io_uring_connect");
}

/* fsopen -> fsconfig(source) -> fsconfig(create) -> fsmount -> move_mount: every call is made,
 * with whatever descriptor the previous step gave (-1 after a failure), so each door is seen. */
static int fsmount_chain(const char *fstype, const char *source, const char *target)
{
	long fs = syscall(__NR_fsopen, fstype, 0);
	report("fsopen", fs);
	report("fsconfig-source", syscall(__NR_fsconfig, (int)fs, FSCONFIG_SET_STRING, "source", source, 0));
	report("fsconfig-create", syscall(__NR_fsconfig, (int)fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	long mfd = syscall(__NR_fsmount, (int)fs, 0, 0);
	report("fsmount", mfd);
	return report("move_mount", syscall(__NR_move_mount, (int)mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH));
}

/* Copies /bin/busybox into fd. */
static int copy_busybox(int fd)
{
	int in = open("/bin/busybox", O_RDONLY);
	if (in < 0)
		return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			return -1;
	close(in);
	return 0;
}

/* fexecve of busybox "true" from a memfd (fileless execution). */
/* Hands descriptor fd to the first client of the unix socket SOCKPATH (SCM_RIGHTS), the way a careless
 * host agent could leak one into a container. Prints "serving" once listening. */
static int serve_fd(const char *path, int fd, const char *label)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	unlink(path);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1))
		return report("bind", -1);
	chmod(path, 0777);
	printf("serving\n");
	fflush(stdout);
	int c = accept(s, 0, 0);
	if (c < 0)
		return report("accept", -1);
	char byte = 'p', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return report(label, sendmsg(c, &mh, 0) == 1 ? 0 : -1);
}

/* Receives one descriptor over SOCKPATH; -1 (reported) when none came. */
static int recv_fd(const char *path)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		return report("connect", -1);
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	if (recvmsg(s, &mh, 0) != 1)
		return report("recvmsg", -1);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return report("no descriptor", -1);
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Host side of a leaked pidfd: a pidfd of PID handed to a container. */
static int pidfd_serve(const char *path, int pid)
{
	long pfd = syscall(__NR_pidfd_open, pid, 0);
	if (pfd < 0)
		return report("pidfd_open", pfd);
	return serve_fd(path, (int)pfd, "pidfd-serve");
}

/* Container side: receives a descriptor over SOCKPATH and joins its mount namespace with setns. */
static int pidfd_recv_setns(const char *path)
{
	int fd = recv_fd(path);
	if (fd < 0)
		return -1;
	return report("pidfd-recv-setns", syscall(__NR_setns, fd, CLONE_NEWNS));
}

static int memfd_exec(void)
{
	int fd = syscall(__NR_memfd_create, "payload", 0);
	if (fd < 0 || copy_busybox(fd))
		return report("memfd-exec-setup", -1);
	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };
	return report("memfd-exec", syscall(__NR_execveat, fd, "", argv, envp, AT_EMPTY_PATH));
}

/* Executes busybox "true" from a file that is unlinked before the exec. */
static int deleted_exec(const char *path)
{
	int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (w < 0 || copy_busybox(w))
		return report("deleted-exec-setup", -1);
	close(w);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	char *argv[] = { "true", NULL };
	char *envp[] = { NULL };
	return report("deleted-exec", syscall(__NR_execveat, fd, "", argv, envp, AT_EMPTY_PATH));
}

/* setuid32 through the 32-bit syscall door (int 0x80 from 64-bit code, IA32 emulation): the kernel
 * changes the creds, but sys_enter reports the ia32 number, which is not setuid in the x86_64 table. */
static long int80_setuid32(long uid)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(213L /* __NR_setuid32, ia32 */), "b"(uid)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* --- the 32-bit door: ia32 syscalls by int 0x80 from this 64-bit program (IA32 emulation). The kernel
 * uses the low 32 bits of ebx, ecx, edx, esi, edi: pointers must be below 4 GiB, so every string and
 * struct goes through low() (MAP_32BIT). ia32 numbers from asm/unistd_32.h. */
#define IA32_OPEN 5
#define IA32_MOUNT 21
#define IA32_SETREUID16 70
#define IA32_GETRESUID16 165
#define IA32_SOCKETCALL 102
#define IA32_UNSHARE 310
#define IA32_SETNS 346
#define IA32_SOCKET 359

static long int80(long nr, long b, long c, long d, long si, long di)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(b), "c"(c), "d"(d), "S"(si), "D"(di)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* A copy of n bytes of p below 4 GiB (a 32-bit pointer), as a long for int80(). */
static long low(const void *p, size_t n)
{
	static char *arena;
	static size_t used;
	if (!arena) {
		arena = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (arena == MAP_FAILED) {
			perror("mmap MAP_32BIT");
			exit(1);
		}
	}
	if (used + n > 65536)
		exit(1);
	char *d = arena + used;
	memcpy(d, p, n);
	used += (n + 15) & ~15UL;
	return (long)(unsigned long)d;
}

static long lows(const char *s)
{
	return low(s, strlen(s) + 1);
}

/* int80 returns -errno: report it as rc=-1 errno=E like the other actions */
static int report80(const char *what, long rc)
{
	if (rc < 0 && rc > -4096) {
		errno = (int)-rc;
		rc = -1;
	}
	return report(what, rc);
}

static int int80_actions(int argc, char **argv)
{
	const char *a = argv[1];
	if (!strcmp(a, "int80-setns")) {
		int fd = open(ARG(2), O_RDONLY);
		if (fd < 0)
			return report("setns-open", fd);
		return report80(a, int80(IA32_SETNS, fd, 0, 0, 0, 0));
	}
	if (!strcmp(a, "int80-unshare-user"))
		return report80(a, int80(IA32_UNSHARE, CLONE_NEWUSER, 0, 0, 0, 0));
	if (!strcmp(a, "int80-mount"))
		return report80(a, int80(IA32_MOUNT, lows(ARG(2)), lows(ARG(3)), lows(ARG(4)), 0, 0));
	if (!strcmp(a, "int80-open-write"))
		return report80(a, int80(IA32_OPEN, lows(ARG(2)), O_WRONLY, 0, 0, 0));
	if (!strcmp(a, "int80-packet-socket")) {
		/* socketcall(SYS_SOCKET, {AF_PACKET, SOCK_RAW, 0}), or the direct ia32 socket(2) with "direct" */
		if (argc > 2 && !strcmp(argv[2], "direct"))
			return report80(a, int80(IA32_SOCKET, AF_PACKET, SOCK_RAW, 0, 0, 0));
		uint32_t args[3] = { AF_PACKET, SOCK_RAW, 0 };
		return report80(a, int80(IA32_SOCKETCALL, 1 /* SYS_SOCKET */, low(args, sizeof(args)), 0, 0, 0));
	}
	if (!strcmp(a, "int80-connect-unix")) {
		/* socketcall(SYS_CONNECT, {fd, &sockaddr_un, len}) on a socket made the ordinary way */
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		strncpy(sa.sun_path, ARG(2), sizeof(sa.sun_path) - 1);
		uint32_t args[3] = { (uint32_t)s, (uint32_t)low(&sa, sizeof(sa)), sizeof(sa) };
		return report80(a, int80(IA32_SOCKETCALL, 3 /* SYS_CONNECT */, low(args, sizeof(args)), 0, 0, 0));
	}
	if (!strcmp(a, "int80-getresuid")) {
		/* ia32 165 is getresuid (16-bit); 165 is mount on x86_64: it must not be read as one */
		uint16_t ids[3] = { 0, 0, 0 };
		long p = low(ids, sizeof(ids));
		return report80(a, int80(IA32_GETRESUID16, p, p + 2, p + 4, 0, 0));
	}
	if (!strcmp(a, "int80-setreuid16")) {
		/* the old 16-bit setreuid: -1 is 0xffff */
		return report80(a, int80(IA32_SETREUID16, atoi(ARG(2)) & 0xffff, atoi(ARG(3)) & 0xffff, 0, 0, 0));
	}
	return -1;
}

/* O_PATH open of PATH, then an open for write of that descriptor through /proc/<self|thread-self|pid>/fd/N,
 * or by a child through /proc/<parent>/fd/N (via "parent")
 * (CVE-2019-5736: the O_PATH descriptor of /proc/RUNC/exe reopened for write). Never truncates. */
static int proc_fd_reopen(const char *path, const char *via, int nofollow)
{
	int fd = open(path, O_PATH | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return report("proc-fd-reopen-opath", fd);
	char p[64];
	if (!strcmp(via, "parent")) {
		/* another process's descriptor: a child closes its own copy and reopens the parent's */
		pid_t c = fork();
		if (c < 0)
			return report("fork", -1);
		if (c == 0) {
			close(fd);
			snprintf(p, sizeof(p), "/proc/%d/fd/%d", getppid(), fd);
			long rc = syscall(__NR_openat, AT_FDCWD, p, O_WRONLY);
			report("proc-fd-reopen", rc);
			_exit(0);
		}
		int st = 0;
		waitpid(c, &st, 0);
		return 0;
	}
	if (!strcmp(via, "pid"))
		snprintf(p, sizeof(p), "/proc/%d/fd/%d", getpid(), fd);
	else
		snprintf(p, sizeof(p), "/proc/%s/fd/%d", via, fd);
	long rc = syscall(__NR_openat, AT_FDCWD, p, O_WRONLY);
	report("proc-fd-reopen", rc);
	if (rc >= 0)
		close(rc);
	return 0;
}

/* capset that drops CAP from the effective set, then one that raises it again (within permitted). */
static int capset_drop_raise(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(__NR_capget, &h, d))
		return report("capget", -1);
	d[cap / 32].effective &= ~(1u << (cap % 32));
	report("capset-drop", syscall(__NR_capset, &h, d));
	d[cap / 32].effective |= 1u << (cap % 32);
	return report("capset-raise", syscall(__NR_capset, &h, d));
}

/* every-watched: each syscall of the sensor's table once, with arguments its decoder keeps, each call failing
 * or changing nothing (a path under /nonexistent-bw-gate, descriptor -1, ids -1, flags the kernel refuses).
 * For the gate test: every one must reach user space as an event. chdir and fchdir are left out: an
 * ordinary one is dropped at its exit by design. */
static int every_watched(void)
{
	const char *kp = "/proc/sys/kernel/core_pattern/bw-gate"; /* under a watched prefix: ENOTDIR */
	const char *no = "/nonexistent-bw-gate/x";
	struct open_how how = { .flags = O_RDONLY };
	report("open", syscall(__NR_open, kp, O_RDONLY));
	report("openat", syscall(__NR_openat, AT_FDCWD, kp, O_RDONLY));
	report("openat2", syscall(__NR_openat2, AT_FDCWD, kp, &how, sizeof(how)));
	report("creat", syscall(__NR_creat, kp, 0600));
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	strcpy(un.sun_path, no);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	report("connect", syscall(__NR_connect, s, &un, sizeof(un)));
	close(s);
	long fd = syscall(__NR_socket, AF_PACKET, SOCK_RAW, 0);
	report("socket", fd);
	if (fd >= 0)
		close(fd);
	report("userfaultfd", syscall(__NR_userfaultfd, -1));
	fd = syscall(__NR_memfd_create, "bw-gate", 0);
	report("memfd_create", fd);
	if (fd >= 0)
		close(fd);
	report("open_by_handle_at", syscall(__NR_open_by_handle_at, -1, NULL, 0));
	report("name_to_handle_at", syscall(__NR_name_to_handle_at, AT_FDCWD, no, NULL, NULL, 0));
	report("mknod", syscall(__NR_mknod, no, S_IFCHR | 0600, makedev(1, 3)));
	report("mknodat", syscall(__NR_mknodat, AT_FDCWD, no, S_IFCHR | 0600, makedev(1, 3)));
	report("symlink", syscall(__NR_symlink, "/etc/shadow", no));
	report("symlinkat", syscall(__NR_symlinkat, "/etc/shadow", AT_FDCWD, no));
	report("link", syscall(__NR_link, no, no));
	report("linkat", syscall(__NR_linkat, AT_FDCWD, no, AT_FDCWD, no, 0));
	report("rename", syscall(__NR_rename, no, no));
	report("renameat", syscall(__NR_renameat, AT_FDCWD, no, AT_FDCWD, no));
	report("renameat2", syscall(__NR_renameat2, AT_FDCWD, no, AT_FDCWD, no, 0));
	report("unlink", syscall(__NR_unlink, no));
	report("unlinkat", syscall(__NR_unlinkat, AT_FDCWD, no, 0));
	report("dup2", syscall(__NR_dup2, 1, 1));        /* onto itself: nothing changes */
	report("dup3", syscall(__NR_dup3, 1, 1, 0));     /* EINVAL */
	report("splice", syscall(__NR_splice, -1, NULL, -1, NULL, 1, 0));
	report("setuid", syscall(__NR_setuid, -1));      /* EINVAL */
	report("setgid", syscall(__NR_setgid, -1));
	report("setreuid", syscall(__NR_setreuid, -1, -1)); /* -1: leave as is */
	report("setregid", syscall(__NR_setregid, -1, -1));
	report("setresuid", syscall(__NR_setresuid, -1, -1, -1));
	report("setresgid", syscall(__NR_setresgid, -1, -1, -1));
	report("setfsuid", syscall(__NR_setfsuid, -1));  /* invalid id: no change */
	report("setfsgid", syscall(__NR_setfsgid, -1));
	report("capset", syscall(__NR_capset, NULL, NULL)); /* EFAULT */
	report("setns", syscall(__NR_setns, -1, 0));
	report("unshare", syscall(__NR_unshare, 0));
	/* CLONE_NEWNS with CLONE_FS: EINVAL before any process is made */
	report("clone", syscall(__NR_clone, CLONE_NEWNS | CLONE_FS, 0, 0, 0, 0));
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWNS | CLONE_FS;
	report("clone3", syscall(__NR_clone3, &ca, sizeof(ca)));
	report("mount", syscall(__NR_mount, "none", no, "bw-gate-nofs", 0, NULL));
	report("fsopen", syscall(__NR_fsopen, "bw-gate-nofs", 0));
	report("fsconfig", syscall(__NR_fsconfig, -1, FSCONFIG_SET_STRING, "source", "/dev/null", 0));
	report("fsmount", syscall(__NR_fsmount, -1, 0, 0));
	report("move_mount", syscall(__NR_move_mount, -1, "", AT_FDCWD, no, 0));
	report("open_tree", syscall(__NR_open_tree, AT_FDCWD, no, 0));
	report("chroot", syscall(__NR_chroot, no));
	report("pivot_root", syscall(__NR_pivot_root, no, no));
	report("ptrace", syscall(__NR_ptrace, 16 /* PTRACE_ATTACH */, 0, 0, 0)); /* pid 0: ESRCH */
	report("process_vm_writev", syscall(__NR_process_vm_writev, 0, NULL, 0, NULL, 0, 0));
	report("bpf", syscall(__NR_bpf, -1, NULL, 0));
	report("init_module", syscall(__NR_init_module, NULL, 0, ""));
	report("finit_module", syscall(__NR_finit_module, -1, "", 0));
	report("delete_module", syscall(__NR_delete_module, "bw_gate_none", 0));
	return 0;
}

static int extra_actions(int argc, char **argv)
{
	const char *a = argv[1];
	if (!strncmp(a, "int80-", 6))
		return int80_actions(argc, argv);
	if (!strcmp(a, "every-watched"))
		return every_watched();
	if (!strcmp(a, "openat-write-each")) {
		for (int i = 2; i < argc; i++)
			report(argv[i], syscall(__NR_openat, AT_FDCWD, argv[i], O_WRONLY));
		return 0;
	}
	if (!strcmp(a, "setuid-int80")) {
		report(a, int80_setuid32(atoi(ARG(2))));
		printf("euid=%d\n", (int)geteuid());
		fflush(stdout);
		if (argc > 3) {
			execv(argv[3], &argv[3]);
			return report("exec", -1);
		}
		return 0;
	}
	if (!strcmp(a, "proc-fd-reopen"))
		return proc_fd_reopen(ARG(2), argc > 3 ? argv[3] : "self", argc > 4 && !strcmp(argv[4], "nofollow"));
	if (!strcmp(a, "capset-drop-raise"))
		return capset_drop_raise(atoi(ARG(2)));
	if (!strcmp(a, "creat"))
		return report(a, syscall(__NR_creat, ARG(2), 0600));
	if (!strcmp(a, "io-uring-open2"))
		return io_uring_openat2(ARG(2));
	if (!strcmp(a, "io-uring-open-fixed"))
		return io_uring_openat_in(ARG(2), O_WRONLY, 1);
	if (!strcmp(a, "io-uring-connect-unix"))
		return io_uring_connect_unix(ARG(2));
	if (!strcmp(a, "clone-newuser")) {
		long rc = syscall(__NR_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (rc == 0)
			_exit(0);
		return report(a, rc);
	}
	if (!strcmp(a, "fsmount-chain"))
		return fsmount_chain(ARG(2), ARG(3), ARG(4));
	if (!strcmp(a, "fsconfig-source")) {
		/* fsconfig on a descriptor that is not an fs context: the call is seen, it fails */
		return report(a, syscall(__NR_fsconfig, -1, FSCONFIG_SET_STRING, "source", ARG(2), 0));
	}
	if (!strcmp(a, "mknodat-blk"))
		return report(a, syscall(__NR_mknodat, AT_FDCWD, ARG(2), S_IFBLK | 0600, makedev(8, 0)));
	if (!strcmp(a, "mknod-chr"))
		return report(a, syscall(__NR_mknod, ARG(2), S_IFCHR | 0600, makedev(atoi(ARG(3)), atoi(ARG(4)))));
	if (!strcmp(a, "symlinkat"))
		return report(a, syscall(__NR_symlinkat, ARG(2), AT_FDCWD, ARG(3)));
	if (!strcmp(a, "link"))
		return report(a, syscall(__NR_link, ARG(2), ARG(3)));
	if (!strcmp(a, "linkat"))
		return report(a, syscall(__NR_linkat, AT_FDCWD, ARG(2), AT_FDCWD, ARG(3), 0));
	if (!strcmp(a, "rename"))
		return report(a, syscall(__NR_rename, ARG(2), ARG(3)));
	if (!strcmp(a, "rename-exchange")) {
		/* the mount race's move: swap A and B (RENAME_EXCHANGE) N times */
		int n = argc > 4 ? atoi(ARG(4)) : 1;
		long rc = 0;
		for (int i = 0; i < n && rc == 0; i++)
			rc = syscall(__NR_renameat2, AT_FDCWD, ARG(2), AT_FDCWD, ARG(3), 2 /* RENAME_EXCHANGE */);
		return report(a, rc);
	}
	if (!strcmp(a, "renameat2"))
		return report(a, syscall(__NR_renameat2, AT_FDCWD, ARG(2), AT_FDCWD, ARG(3), 0));
	if (!strcmp(a, "unlink"))
		return report(a, syscall(__NR_unlink, ARG(2)));
	if (!strcmp(a, "unlinkat"))
		return report(a, syscall(__NR_unlinkat, AT_FDCWD, ARG(2), 0));
	if (!strcmp(a, "name-to-handle")) {
		struct { unsigned int bytes; int type; unsigned char h[128]; } fh = { 128, 0, {0} };
		int mnt = 0;
		return report(a, syscall(__NR_name_to_handle_at, AT_FDCWD, ARG(2), &fh, &mnt, 0));
	}
	if (!strcmp(a, "ptrace-seize"))
		return report(a, syscall(__NR_ptrace, 0x4206 /* PTRACE_SEIZE */, atoi(ARG(2)), 0, 0));
	if (!strcmp(a, "ptrace-poke"))
		return report(a, syscall(__NR_ptrace, 5 /* PTRACE_POKEDATA */, atoi(ARG(2)), (void *)0x10000, 0));
	if (!strcmp(a, "dup3-socket")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		int saved = dup(0);
		long rc = syscall(__NR_dup3, s, 0, 0);
		dup2(saved, 0);
		return report(a, rc);
	}
	if (!strcmp(a, "setresuid"))
		return report(a, syscall(__NR_setresuid, atoi(ARG(2)), atoi(ARG(2)), atoi(ARG(2))));
	if (!strcmp(a, "setreuid"))
		return report(a, syscall(__NR_setreuid, atoi(ARG(2)), atoi(ARG(2))));
	if (!strcmp(a, "pidfd-setns")) {
		long pfd = syscall(__NR_pidfd_open, atoi(ARG(2)), 0);
		if (pfd < 0)
			return report("pidfd_open", pfd);
		return report(a, syscall(__NR_setns, (int)pfd, CLONE_NEWNS));
	}
	if (!strcmp(a, "dir-serve")) {
		/* host side: a descriptor of directory DIR handed to a container (a leaked host directory) */
		int dfd = open(ARG(3), O_RDONLY | O_DIRECTORY);
		if (dfd < 0)
			return report("open-dir", dfd);
		return serve_fd(ARG(2), dfd, "dir-serve");
	}
	if (!strcmp(a, "dir-recv-fchdir")) {
		/* container side: fchdir into the received directory, then list it ("ls" of the host directory) */
		int fd = recv_fd(ARG(2));
		if (fd < 0)
			return -1;
		report("fchdir", syscall(__NR_fchdir, fd));
		return report("chdir-parent", syscall(__NR_chdir, ".."));
	}
	if (!strcmp(a, "dir-recv-openat-write")) {
		/* container side: create NAME for write in the received directory, by a relative path through
		 * the descriptor (no chdir, no absolute path to match) */
		int fd = recv_fd(ARG(2));
		if (fd < 0)
			return -1;
		return report("openat", syscall(__NR_openat, fd, ARG(3), O_WRONLY | O_CREAT, 0644));
	}
	if (!strcmp(a, "dir-recv-openat-read")) {
		/* container side: read NAME under the received directory, by a relative path through the descriptor */
		int fd = recv_fd(ARG(2));
		if (fd < 0)
			return -1;
		return report("openat", syscall(__NR_openat, fd, ARG(3), O_RDONLY));
	}
	if (!strcmp(a, "dir-recv-exec")) {
		/* container side: fchdir into the received directory, then fork a program that inherits it
		 * (the child never changes directory itself) and wait for it */
		int fd = recv_fd(ARG(2));
		if (fd < 0)
			return -1;
		if (report("fchdir", syscall(__NR_fchdir, fd)) != 0)
			return -1;
		pid_t c = fork();
		if (c == 0) {
			execv(ARG(3), argv + 3);
			_exit(127);
		}
		int st = 0;
		waitpid(c, &st, 0);
		return report("child", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	if (!strcmp(a, "dir-recv-chroot")) {
		/* container side: make the received directory the root through its /proc/self/fd link (no
		 * fchdir), then read an absolute path there */
		int fd = recv_fd(ARG(2));
		if (fd < 0)
			return -1;
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		if (report("chroot", syscall(__NR_chroot, p)) != 0)
			return -1;
		return report("open", syscall(__NR_openat, AT_FDCWD, "/secret", O_RDONLY));
	}
	if (!strcmp(a, "dir-recv-execveat")) {
		/* container side: run NAME from the received directory with execveat(2) on the descriptor
		 * (no chdir, no path naming the host), in a child, and wait for it */
		int fd = recv_fd(ARG(2));
		if (fd < 0)
			return -1;
		pid_t c = fork();
		if (c == 0) {
			char *env[] = {0};
			syscall(__NR_execveat, fd, ARG(3), argv + 3, env, 0);
			_exit(127);
		}
		int st = 0;
		waitpid(c, &st, 0);
		return report("child", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	if (!strcmp(a, "pidfd-serve"))
		return pidfd_serve(ARG(2), atoi(ARG(3)));
	if (!strcmp(a, "pidfd-recv-setns"))
		return pidfd_recv_setns(ARG(2));
	if (!strcmp(a, "memfd-exec"))
		return memfd_exec();
	if (!strcmp(a, "deleted-exec"))
		return deleted_exec(ARG(2));
	return -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bwtrigger ACTION [ARGS]\n"
		"  open-write PATH | openat-write PATH | openat2-write PATH | open-read PATH | io-uring-open PATH\n"
		"  unshare-user | unshare-ns | clone3-newuser | clone-newns | setns PATH | chroot PATH | pivot-root NEW OLD\n"
		"  mount SRC TARGET FSTYPE | fsopen FSTYPE | open-tree PATH | mknod-blk PATH | symlink TARGET LINK\n"
		"  ptrace-attach PID | process-vm-writev PID | bpf-prog-load | bpf-map-create | init-module | finit-module\n"
		"  userfaultfd | memfd-create NAME | open-by-handle | connect-unix PATH | connect-tcp IP PORT | packet-socket\n"
		"  dup2-socket | splice PATH | setuid UID | capset | sleep SECONDS\n"
		"  creat PATH | io-uring-open2 PATH | io-uring-open-fixed PATH (for write, into a fixed-file slot) | io-uring-connect-unix PATH | clone-newuser\n"
		"  fsmount-chain FSTYPE SOURCE TARGET | fsconfig-source SOURCE | mknodat-blk PATH | mknod-chr PATH MAJ MIN\n"
		"  symlinkat TARGET LINK | link OLD NEW | linkat OLD NEW | rename OLD NEW | renameat2 OLD NEW\n"
		"  rename-exchange A B [N] (renameat2 RENAME_EXCHANGE, N times)\n"
		"  unlink PATH | unlinkat PATH | name-to-handle PATH | ptrace-seize PID | ptrace-poke PID | dup3-socket\n"
		"  setresuid UID | setreuid UID | pidfd-setns PID | memfd-exec | deleted-exec PATH\n"
		"  pidfd-serve SOCKPATH PID (host: hand a pidfd of PID to one client) | pidfd-recv-setns SOCKPATH\n"
		"  dir-serve SOCKPATH DIR (host: hand a descriptor of DIR to one client) | dir-recv-fchdir SOCKPATH\n"
		"  dir-recv-exec SOCKPATH PROG [ARGS...] (fchdir into it, then run PROG there) | dir-recv-execveat SOCKPATH NAME [ARGS...] (run NAME from it by execveat) | dir-recv-chroot SOCKPATH (make it the root, read /secret) | dir-recv-openat-write SOCKPATH NAME | dir-recv-openat-read SOCKPATH NAME\n"
		"  every-watched (each syscall of the sensor's table once, harmlessly) | openat-write-each PATH...\n"
		"  setuid-int80 UID [PROG ARGS...] | proc-fd-reopen PATH [self|thread-self|pid [nofollow]] | capset-drop-raise CAPBIT\n"
		"  32-bit door (int 0x80): int80-setns PATH | int80-unshare-user | int80-mount SRC TARGET FSTYPE\n"
		"    int80-open-write PATH | int80-packet-socket [direct] | int80-connect-unix PATH | int80-setreuid16 RUID EUID | int80-getresuid\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	const char *a = argv[1];
	int x = extra_actions(argc, argv);
	if (x >= 0)
		return x;
	if (!strcmp(a, "open-write"))
		return report(a, syscall(__NR_open, ARG(2), O_WRONLY));
	if (!strcmp(a, "open-read"))
		return report(a, syscall(__NR_open, ARG(2), O_RDONLY));
	if (!strcmp(a, "openat-write"))
		return report(a, syscall(__NR_openat, AT_FDCWD, ARG(2), O_WRONLY | O_TRUNC));
	if (!strcmp(a, "openat-at")) {
		/* a relative NAME opened for write through a descriptor of DIR (openat's dirfd door) */
		int dfd = open(ARG(2), O_PATH | O_DIRECTORY);
		if (dfd < 0)
			return report("open-dir", dfd);
		return report(a, syscall(__NR_openat, dfd, ARG(3), O_WRONLY));
	}
	if (!strcmp(a, "openat2-write")) {
		struct open_how how = { .flags = O_WRONLY };
		return report(a, syscall(__NR_openat2, AT_FDCWD, ARG(2), &how, sizeof(how)));
	}
	if (!strcmp(a, "io-uring-open"))
		return io_uring_openat(ARG(2), O_WRONLY);
	if (!strcmp(a, "unshare-user"))
		return report(a, syscall(__NR_unshare, CLONE_NEWUSER));
	if (!strcmp(a, "unshare-ns"))
		return report(a, syscall(__NR_unshare, CLONE_NEWNS));
	if (!strcmp(a, "clone3-newuser")) {
		struct clone_args ca;
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_NEWUSER;
		ca.exit_signal = SIGCHLD;
		long rc = syscall(__NR_clone3, &ca, sizeof(ca));
		if (rc == 0)
			_exit(0);
		return report(a, rc);
	}
	if (!strcmp(a, "clone-newns")) {
		long rc = syscall(__NR_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
		if (rc == 0)
			_exit(0);
		return report(a, rc);
	}
	if (!strcmp(a, "setns")) {
		int fd = open(ARG(2), O_RDONLY);
		if (fd < 0)
			return report("setns-open", fd);
		return report(a, syscall(__NR_setns, fd, 0));
	}
	if (!strcmp(a, "chroot"))
		return report(a, syscall(__NR_chroot, ARG(2)));
	if (!strcmp(a, "pivot-root"))
		return report(a, syscall(__NR_pivot_root, ARG(2), ARG(3)));
	if (!strcmp(a, "mount"))
		return report(a, syscall(__NR_mount, ARG(2), ARG(3), ARG(4), 0, 0));
	if (!strcmp(a, "fsopen"))
		return report(a, syscall(__NR_fsopen, ARG(2), 0));
	if (!strcmp(a, "open-tree"))
		return report(a, syscall(__NR_open_tree, AT_FDCWD, ARG(2), 1 /* OPEN_TREE_CLONE */));
	if (!strcmp(a, "mknod-blk"))
		return report(a, syscall(__NR_mknod, ARG(2), S_IFBLK | 0600, makedev(8, 0)));
	if (!strcmp(a, "symlink"))
		return report(a, syscall(__NR_symlink, ARG(2), ARG(3)));
	if (!strcmp(a, "ptrace-attach"))
		return report(a, syscall(__NR_ptrace, 16 /* PTRACE_ATTACH */, atoi(ARG(2)), 0, 0));
	if (!strcmp(a, "process-vm-writev")) {
		char buf[8] = {0};
		struct iovec l = { buf, sizeof(buf) }, r = { (void *)0x10000, sizeof(buf) };
		return report(a, syscall(__NR_process_vm_writev, atoi(ARG(2)), &l, 1, &r, 1, 0));
	}
	if (!strcmp(a, "bpf-prog-load")) {
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		struct bpf_insn insns[2] = { { .code = 0xb7, .dst_reg = 0, .imm = 0 }, { .code = 0x95 } };
		attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		attr.insns = (unsigned long)insns;
		attr.insn_cnt = 2;
		attr.license = (unsigned long)"GPL";
		return report(a, syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
	}
	if (!strcmp(a, "bpf-map-create")) {
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		attr.map_type = BPF_MAP_TYPE_ARRAY;
		attr.key_size = 4;
		attr.value_size = 4;
		attr.max_entries = 1;
		return report(a, syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
	}
	if (!strcmp(a, "init-module")) {
		static char img[64];
		return report(a, syscall(__NR_init_module, img, sizeof(img), ""));
	}
	if (!strcmp(a, "finit-module")) {
		int fd = open("/proc/self/exe", O_RDONLY);
		return report(a, syscall(__NR_finit_module, fd, "", 0));
	}
	if (!strcmp(a, "userfaultfd"))
		return report(a, syscall(__NR_userfaultfd, O_CLOEXEC));
	if (!strcmp(a, "memfd-create"))
		return report(a, syscall(__NR_memfd_create, ARG(2), 0));
	if (!strcmp(a, "open-by-handle")) {
		struct { unsigned int bytes; int type; unsigned char h[8]; } fh = { 8, 1, {2, 0, 0, 0, 0, 0, 0, 0} };
		int mfd = open("/", O_RDONLY);
		return report(a, syscall(__NR_open_by_handle_at, mfd, &fh, O_RDONLY));
	}
	if (!strcmp(a, "connect-unix")) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		const char *p = ARG(2);
		if (p[0] == '@')
			strncpy(sa.sun_path + 1, p + 1, sizeof(sa.sun_path) - 2);
		else
			strncpy(sa.sun_path, p, sizeof(sa.sun_path) - 1);
		socklen_t len = p[0] == '@' ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p)) : sizeof(sa);
		return report(a, syscall(__NR_connect, s, &sa, len));
	}
	if (!strcmp(a, "connect-tcp")) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(ARG(3))) };
		inet_pton(AF_INET, ARG(2), &sa.sin_addr);
		return report(a, syscall(__NR_connect, s, &sa, sizeof(sa)));
	}
	if (!strcmp(a, "packet-socket"))
		return report(a, syscall(__NR_socket, AF_PACKET, SOCK_RAW, 0));
	if (!strcmp(a, "dup2-socket")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		int saved = dup(1);
		long rc = syscall(__NR_dup2, s, 1);
		dup2(saved, 1);
		return report(a, rc);
	}
	if (!strcmp(a, "splice")) {
		int fd = open(ARG(2), O_RDONLY);
		int p[2];
		if (pipe(p))
			return report("pipe", -1);
		loff_t off = 0;
		return report(a, syscall(__NR_splice, fd, &off, p[1], NULL, 1, 0));
	}
	if (!strcmp(a, "setuid"))
		return report(a, syscall(__NR_setuid, atoi(ARG(2))));
	if (!strcmp(a, "capset")) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		memset(d, 0, sizeof(d));
		d[0].effective = d[0].permitted = 1u << 21; /* CAP_SYS_ADMIN */
		return report(a, syscall(__NR_capset, &h, d));
	}
	if (!strcmp(a, "sleep")) {
		sleep(atoi(ARG(2)));
		return 0;
	}
	usage();
	return 2;
}
