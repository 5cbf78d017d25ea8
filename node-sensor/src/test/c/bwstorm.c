/*
 * bwstorm: floods the sensor with events it must send (setns on a bad fd: every call is an
 * event that fails with EBADF). PROCS processes, each for SECONDS. Prints the calls made.
 *   bwstorm PROCS SECONDS [vary]
 * vary: each call uses another bad fd (-1 … -1000), so no two consecutive events of a thread are
 * identical and the sensor cannot take its repeat path: every event is decoded and evaluated.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int procs = argc > 1 ? atoi(argv[1]) : 2;
	int secs = argc > 2 ? atoi(argv[2]) : 5;
	int vary = argc > 3 && argv[3][0] == 'v';
	int fds[64][2];
	for (int p = 0; p < procs && p < 64; p++) {
		pipe(fds[p]);
		if (fork() == 0) {
			time_t end = time(0) + secs;
			long calls = 0;
			while (time(0) < end) {
				for (int i = 0; i < 1000; i++)
					syscall(SYS_setns, vary ? -1 - i : -1, 0);
				calls += 1000;
			}
			write(fds[p][1], &calls, sizeof(calls));
			_exit(0);
		}
	}
	long total = 0;
	for (int p = 0; p < procs && p < 64; p++) {
		long c = 0;
		read(fds[p][0], &c, sizeof(c));
		total += c;
		wait(0);
	}
	printf("calls=%ld per_sec=%ld\n", total, total / (secs > 0 ? secs : 1));
	return 0;
}
