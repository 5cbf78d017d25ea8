/*
 * bwsyscall: measures the cost of one syscall in a tight loop (per-syscall overhead benchmark).
 *   bwsyscall getppid|openat|openat-write|openat-rel|rename-rel|rename-abs|stat|setns|exec N
 *                                                                     prints "<name> calls=N ns_per_call=X"
 * (setns: setns(-1, 0), an event the sensor must send every time, failing with EBADF; rename-rel and
 * rename-abs: a file renamed back and forth in /tmp by relative and by absolute names, an event the
 * sensor sends every time from a container, the relative one with the directory the kernel names;
 * exec: fork, execve /bin/true and wait: one call is the whole process's life)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "getppid";
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	struct timespec a, b;
	struct stat st;
	if (!strcmp(what, "openat-rel") && chdir("/etc") != 0)
		return 1;
	if (!strncmp(what, "rename-", 7)) {
		if (chdir("/tmp") != 0)
			return 1;
		int fd = open("/tmp/bwsyscall.a", O_WRONLY | O_CREAT, 0600);
		if (fd < 0)
			return 1;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		if (!strcmp(what, "openat")) {
			int fd = syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(what, "openat-write")) {
			/* an ordinary write open (plus its close): in a container the kernel parks it and checks
			 * the opened file's mount at the exit */
			int fd = syscall(SYS_openat, AT_FDCWD, "/tmp/bwsyscall.tmp", O_WRONLY | O_CREAT, 0600);
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(what, "openat-rel")) {
			/* an ordinary relative read open (plus its close), from /etc */
			int fd = syscall(SYS_openat, AT_FDCWD, "hostname", O_RDONLY);
			if (fd >= 0)
				close(fd);
		} else if (!strcmp(what, "rename-rel")) {
			if (i & 1)
				rename("bwsyscall.b", "bwsyscall.a");
			else
				rename("bwsyscall.a", "bwsyscall.b");
		} else if (!strcmp(what, "rename-abs")) {
			if (i & 1)
				rename("/tmp/bwsyscall.b", "/tmp/bwsyscall.a");
			else
				rename("/tmp/bwsyscall.a", "/tmp/bwsyscall.b");
		} else if (!strcmp(what, "setns")) {
			syscall(SYS_setns, -1, 0);
		} else if (!strcmp(what, "exec")) {
			pid_t p = fork();
			if (p == 0) {
				execl("/bin/true", "true", (char *)0);
				_exit(127);
			}
			if (p > 0)
				waitpid(p, NULL, 0);
		} else if (!strcmp(what, "stat")) {
			stat("/etc/hostname", &st);
		} else {
			syscall(SYS_getppid);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!strncmp(what, "rename-", 7)) {
		unlink("/tmp/bwsyscall.a");
		unlink("/tmp/bwsyscall.b");
	}
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%s calls=%ld ns_per_call=%.1f\n", what, n, ns / n);
	return 0;
}
