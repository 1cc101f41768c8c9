/*
 * startup: the wall time of running a program, many times over.
 *
 *   startup [-n runs] program [arg ...]
 *
 * Each run forks, points stdin, stdout and stderr at /dev/null, execs
 * the program (execv: the path as given, no PATH search, no shell) and
 * waits for it; the interval is read with clock_gettime(CLOCK_MONOTONIC)
 * around fork and waitpid, so the cost of the harness is the same for
 * every program timed.  One warm-up run is not counted.  Every run must
 * exit 0, or startup says which did not and exits 1.
 *
 * Prints one line: the median, the lowest and the mean wall time, in
 * milliseconds, the number of runs, and the median CPU time (user and
 * system, from wait4), which a busy machine disturbs less than the wall
 * time:  "median 1.234 min 1.100 mean 1.301 n 200 cpu 0.950".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "startup";

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-n runs] program [arg ...]\n", progname);
	exit(2);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * One run of argv: its wall time in ms into *ms, the CPU time it used
 * (user and system) into *cpu; its wait status back.
 */
static int
run(char **argv, double *ms, double *cpu)
{
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid;
	int st, fd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "%s: fork: %s\n", progname, strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(fd, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR) {
			fprintf(stderr, "%s: waitpid: %s\n", progname,
			    strerror(errno));
			exit(1);
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	return st;
}

int
main(int argc, char **argv)
{
	double *t, *u, sum = 0, warm, wcpu;
	long n = 200;
	int c, st;

	while ((c = getopt(argc, argv, "+n:")) != -1)
		switch (c) {
		case 'n':
			n = strtol(optarg, NULL, 10);
			if (n < 1)
				usage();
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	t = calloc((size_t)n, sizeof *t);
	u = calloc((size_t)n, sizeof *u);
	if (t == NULL || u == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
	for (long i = -1; i < n; i++) {
		st = run(argv, i < 0 ? &warm : &t[i], i < 0 ? &wcpu : &u[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "%s: %s: run %ld %s %d\n", progname,
			    argv[0], i + 1, WIFEXITED(st) ? "exited" :
			    "killed by signal", WIFEXITED(st) ?
			    WEXITSTATUS(st) : WTERMSIG(st));
			free(t);
			free(u);
			return 1;
		}
		if (i >= 0)
			sum += t[i];
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	qsort(u, (size_t)n, sizeof *u, cmp);
	printf("median %.3f min %.3f mean %.3f n %ld cpu %.3f\n",
	    n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2, t[0], sum / n, n,
	    n % 2 ? u[n / 2] : (u[n / 2 - 1] + u[n / 2]) / 2);
	free(t);
	free(u);
	return 0;
}
