/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event the sensor's BPF programs send to user space. One struct, explicit padding, no
 * pointers, op first; sent cut after its last used string (see slen), so records vary in size. Mirrored by io.bulwark.sensor.probe.RawEvent (Java); the
 * test BpfLayoutTest checks that mirror against the BTF of the built object, so change both.
 */
#ifndef BULWARK_EVENTS_H
#define BULWARK_EVENTS_H

#define BW_STR0 256
#define BW_STR1 256
#define BW_STR2 64

enum bw_op {
	BW_OP_NONE = 0,
	BW_OP_SYSCALL = 1,     /* a paired syscall: args at entry, ret at exit; nr = syscall number */
	BW_OP_EXEC = 2,        /* sched_process_exec: str0 filename, str1 argv (NUL separated, aux0 = length), str2 exe dentry name,
	                        * args2 = the executed file's i_mode, args3 = its uid | gid << 32, args4 = real uid | real gid << 32
	                        * after the exec; creds (uid, cap_*) are those after the exec */
	BW_OP_FORK = 3,        /* sched_process_fork of a new process (not a thread): pid = child, ppid = parent */
	BW_OP_EXIT = 4,        /* sched_process_exit of a whole thread group: args0 = exit code */
	BW_OP_CGROUP_MKDIR = 5,/* cgroup_mkdir: args0 = cgroup id, args1 = level, aux0 = hierarchy id, str0 = path */
	BW_OP_IOURING = 6,     /* io_uring_submit_req: nr = opcode */
};

/* bw_event.flags */
#define BW_F_CONTAINED   0x01  /* mount/pid namespace differs from the host's, or a known container cgroup */
#define BW_F_EXE_DELETED 0x02  /* exec: the executable has no links (deleted file, memfd) */
#define BW_F_TRUNCATED   0x04  /* a string argument filled its buffer */
#define BW_F_SECUREEXEC  0x08  /* exec: the kernel raised privileges (set-id bits or file capabilities: AT_SECURE) */
#define BW_F_PROC_FD     0x10  /* open of /proc/<self|thread-self|pid>/fd/N resolved: str1 = target's name, aux[1] = BW_FD_* | i_mode */
#define BW_F_COMPAT      0x20  /* syscall: made through the 32-bit door (ia32: int 0x80, sysenter, 32-bit syscall); nr and args
                                * are translated to their x86_64 equivalents (ids of the 16-bit uid calls widened: 0xffff = -1) */
#define BW_F_COMPAT64    0x40  /* syscall with BW_F_COMPAT: the caller was running 64-bit code (cs = __USER_CS: int 0x80
                                * from a 64-bit program, the evasion; a real 32-bit program runs in 32-bit mode) */
#define BW_F_SOCKETCALL  0x80  /* syscall with BW_F_COMPAT: socket/connect made through ia32 socketcall(2); args are the
                                * call's own arguments read from the caller's array. (flags is full: new flags go
                                * to flags2) */

/* bw_event.flags2 */
#define BW_F2_CWD_FOREIGN  0x0001  /* exec in a container: the working directory is in another mount namespace (a host
                                    * directory inherited or entered through a leaked descriptor: CVE-2024-21626) */
#define BW_F2_ROOT_FOREIGN 0x0002  /* exec in a container, or its successful chroot: the root directory is in another mount
                                    * namespace */
#define BW_F2_DIR_FOREIGN  0x0008  /* open by a container process of a relative path whose directory (the working directory,
                                    * or dirfd's) is on a mount of another mount namespace: a leaked host directory. Sent
                                    * whatever the name, reads included; str1 names the directory (BW_OPEN_DIR) */
#define BW_F2_EXE_FOREIGN  0x0010  /* exec in a container: the executed file is on a mount of another mount namespace (a host
                                    * binary run through a leaked directory descriptor, execveat on it, /proc/N/root/...) */
#define BW_F2_FILE_FOREIGN 0x0004  /* open for write by a container process, sent at exit because the file it opened is on a
                                    * mount of another mount namespace (whatever the path: a leaked directory, procfs
                                    * mounted elsewhere, /proc/N/root ...): str1 = the file's name, aux1 = its i_mode */

#define BW_F2_FILE_KERNEL  0x0020  /* open for write by a container process whose opened file is a kernel interface the filter
                                    * watches by name (core_pattern, release_agent, sysrq-trigger …) on a kernel
                                    * pseudo-filesystem, whatever name led there (symlink, bind mount, reopened descriptor):
                                    * str2 = the file's own name, args[5] = the filesystem's magic. Sent at exit */

/* aux[1] of an open with BW_F_PROC_FD, above the target's 32-bit i_mode. */
#define BW_FD_FOREIGN_MNT (1ULL << 32) /* the target's mount belongs to another mount namespace than the opener's */
#define BW_FD_PROCFS      (1ULL << 33) /* the target is a procfs file (e.g. an O_PATH|O_NOFOLLOW /proc/N/exe) */
#define BW_FD_OTHER_PROC  (1ULL << 34) /* descriptor N belongs to another process (/proc/<its pid>/fd/N) */
/* aux[1] of an open of a relative path (no BW_F_PROC_FD): str1 holds the directory it is relative to (the
 * working directory, or the one behind dirfd), named from the task's root by the kernel at the syscall. */
#define BW_OPEN_DIR       (1ULL << 40)

struct bw_event {
	__u8  op;
	__u8  flags;
	__u16 nr;
	__u32 tid;
	__u64 ktime;          /* CLOCK_BOOTTIME ns at syscall exit (or at the hook) */
	__u32 pid;            /* tgid */
	__u32 ppid;           /* real parent's tgid */
	__u32 uid;            /* effective uid */
	__u32 gid;            /* effective gid */
	__u32 loginuid;
	__u32 vpid;           /* tgid in the task's own pid namespace */
	__u64 cgroup_id;      /* cgroup v2 id */
	__u32 mnt_ns;
	__u32 pid_ns;
	__u32 net_ns;
	__u32 user_ns;
	__u32 cgroup_ns;
	__u32 uts_ns;
	__u32 ipc_ns;
	__u32 tty;            /* major << 20 | minor, 0 when none */
	__u64 cap_eff;
	__u64 cap_prm;
	__s64 ret;
	__u64 args[6];        /* raw syscall arguments */
	__u64 aux[2];         /* per-syscall extras, see the decoders */
	char  comm[16];
	__u16 slen[3];        /* bytes written to str0, str1, str2 (with the NUL; 0: unused). The record ends after the
	                       * last string used: user space must read bytes past the record's length as zeros */
	__u16 flags2;         /* more flags (flags is full): BW_F2_* */
	char  str0[BW_STR0];
	char  str1[BW_STR1];
	char  str2[BW_STR2];
};

/* Index of the per-CPU counters map. Mirrored by io.bulwark.sensor.probe.Counters. */
enum bw_counter {
	BW_CNT_EMITTED = 0,       /* events written to the ring buffer */
	BW_CNT_RB_FULL = 1,       /* ring buffer reserve failures: events lost */
	BW_CNT_INFLIGHT_FULL = 2, /* syscall entries that could not be parked until exit */
	BW_CNT_FILTERED = 3,      /* interesting syscalls filtered out in the kernel (paths, flags) */
	BW_CNT_RATE_LIMITED = 4,  /* events dropped by the per-cgroup rate limit */
	BW_CNT_MAX = 8,
};

/* The gate (sc_gate, set by user space before load with sc_mode): bit nr of word nr / 64 is set when
 * sc_mode[nr] has BW_SC_ON or BW_SC_IA32. The raw syscall programs test it before anything else. */
#define BW_GATE_WORDS 8

/* Per-syscall mode bits (sc_mode[nr]), set by user space before load. */
#define BW_SC_ON        0x01 /* watch this syscall */
#define BW_SC_CONTAINER 0x02 /* only from containerised tasks */
#define BW_SC_IA32      0x04 /* this number, as an ia32 number, is a watched 32-bit syscall (see ia32_to_x64):
                              * numbers with neither bit return at once without reading the task */

/* ia32_to_x64[ia32 nr] (set by user space before load from the build's syscall tables): the x86_64
 * number + 1 (0: no x86_64 equivalent, not watched), BW_IA32_SOCKETCALL for socketcall(2), and
 * BW_IA32_UID16 on the 16-bit uid/gid calls (setuid, setreuid … without the "32" suffix). */
#define BW_IA32_MAX        512
#define BW_IA32_NR_MASK    0x0fff
#define BW_IA32_UID16      0x4000
#define BW_IA32_SOCKETCALL 0x8000

/* Path filter values (LPM trie and basename hash). */
#define BW_PATH_ANY   0x01 /* any open */
#define BW_PATH_WRITE 0x02 /* only opens with write intent */
#define BW_PATH_PROC  0x04 /* basename match that counts only under /proc/ */

#define BW_PATH_KEY 256
struct bw_path_key {
	__u32 prefixlen;
	char  data[BW_PATH_KEY];
};

#define BW_NAME_KEY 32

/* name_bloom (set by user space before load): one bit per BW_NAME_HASH of every path_names key, from
 * the name's length (< BW_NAME_KEY) and its first and last bytes (unsigned). The open filter looks a
 * last component up in path_names only when its bit is set. */
#define BW_NAME_BLOOM_WORDS 8
#define BW_NAME_HASH(len, first, last) ((((__u32)(len) * 31u) ^ ((__u32)(first) * 7u) ^ ((__u32)(last) * 131u)) & 511u)

#endif
