/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel constants the sensor needs that vmlinux.h does not carry (macros): filesystem magics,
 * socket families, open flags, x86 details of the 32-bit door. */
#ifndef BW_DEFS_H
#define BW_DEFS_H

#define MAX_NR 512
#define NSFS_MAGIC 0x6e736673
#define PIDFS_MAGIC 0x50494446
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define SECURITYFS_MAGIC 0x73636673
#define DEBUGFS_MAGIC 0x64626720
#define TRACEFS_MAGIC 0x74726163
#define BINFMTFS_MAGIC 0x42494e4d
#define CONFIGFS_MAGIC 0x62656570
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define O_ACCMODE 3
#define O_CREAT 0100
#define O_TRUNC 01000
/* open flags with write intent: an access mode other than O_RDONLY, or O_CREAT / O_TRUNC */
#define OPEN_WRITES(fl) (((fl) & O_ACCMODE) != 0 || ((fl) & (O_CREAT | O_TRUNC)) != 0)
/* arch/x86/include/asm/thread_info.h: a 32-bit syscall is in progress (in_ia32_syscall()); set at the
 * 32-bit entry, cleared on the return to user mode, after the sys_exit tracepoint. */
#define TS_COMPAT 0x0002
/* __USER_CS (GDT entry 6): the caller was running 64-bit code; 32-bit code runs with __USER32_CS 0x23. */
#define USER_CS_64 0x33
/* socketcall(2) call numbers (linux/net.h) */
#define SYS_SOCKET 1
#define SYS_CONNECT 3
#define CLONE_NS_FLAGS (0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080)

/* What a family's decoder (syscalls/) says of a syscall: drop it, keep it, or not one of mine. */
#define BW_DROP 0
#define BW_KEEP 1
#define BW_OTHER -1

#endif
