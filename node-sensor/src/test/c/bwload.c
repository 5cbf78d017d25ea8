/*
 * bwload: a benign, syscall-heavy job for the overhead benchmark (opens, reads, stats,
 * fork+exec). Prints its own elapsed time in milliseconds: "elapsed_ms=<n> ops=<n>".
 *   bwload ITERATIONS [EXEC_EVERY]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	long every = argc > 2 ? atol(argv[2]) : 1000;
	char buf[256];
	struct stat st;
	long ops = 0;
	double t0 = now_ms();
	for (long i = 0; i < n; i++) {
		int fd = open("/etc/hostname", O_RDONLY);
		if (fd >= 0) {
			read(fd, buf, sizeof(buf));
			close(fd);
		}
		stat("/etc/passwd", &st);
		int w = open("/tmp/bwload.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (w >= 0) {
			write(w, buf, 16);
			close(w);
		}
		ops += 7;
		if (every > 0 && i % every == 0) {
			pid_t p = fork();
			if (p == 0) {
				execl("/bin/true", "true", (char *)0);
				_exit(127);
			}
			waitpid(p, 0, 0);
			ops += 3;
		}
	}
	printf("elapsed_ms=%.1f ops=%ld\n", now_ms() - t0, ops);
	return 0;
}
