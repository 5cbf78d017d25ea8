/* bench/syscall-job.sh's workload: a benign job of the shape that pays for a syscall sensor.
 * Each iteration opens, reads and closes a file, stats it, calls getppid; every 2,000 iterations it
 * forks and execs /bin/true. Prints its own CPU time (self + children, getrusage) in ms. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static double ms(struct timeval t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; }

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 200000;
	const char *path = argc > 2 ? argv[2] : "/etc/passwd";
	char buf[256];
	struct stat st;
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			if (read(fd, buf, sizeof buf) < 0) return 2;
			close(fd);
		}
		stat(path, &st);
		getppid();
		if (i % 2000 == 0) {
			pid_t p = fork();
			if (p == 0) {
				execl("/bin/true", "true", (char *)0);
				_exit(127);
			}
			waitpid(p, NULL, 0);
		}
	}
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	printf("%.1f\n", ms(self.ru_utime) + ms(self.ru_stime) + ms(kids.ru_utime) + ms(kids.ru_stime));
	return 0;
}
