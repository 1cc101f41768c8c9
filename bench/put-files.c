/*
 * put-files: the label-writing yardstick of bench/ship.sh.  Reads the
 * paths of files, one a line, on stdin, reads them all into memory, then
 * writes each into DIR under its own base name as oms_write_file
 * (lib/util.c) writes a label: a temporary name beside it, created
 * exclusively, never through a symbolic link, mode 0600, written, then
 * renamed over its name.  With -s each file is flushed to disk and the
 * directory after it, as oms_write_file does; with -b N the files are
 * flushed N at a time, once the N are written (each file, then the
 * directory once), as oms-ship flushes a shipment's; with neither
 * nothing is flushed.  Only the writing is
 * timed (CLOCK_MONOTONIC): it prints "FILES BYTES SECONDS".
 *
 * usage: put-files [-s | -b N] DIR < list
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct file {
	char *name, *data;
	size_t len;
};

static void
die(const char *what, const char *name)
{
	fprintf(stderr, "put-files: %s %s: %s\n", what, name, strerror(errno));
	exit(1);
}

static void
load(struct file *f, const char *path)
{
	const char *slash = strrchr(path, '/');
	FILE *fp = fopen(path, "rb");
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0)
		die("cannot read", path);
	rewind(fp);
	f->len = (size_t)n;
	f->data = malloc(f->len + 1);
	if (f->data == NULL || fread(f->data, 1, f->len, fp) != f->len)
		die("cannot read", path);
	fclose(fp);
	f->name = strdup(slash ? slash + 1 : path);
}

int
main(int argc, char **argv)
{
	struct file *fs = NULL;
	size_t n = 0, cap = 0, bytes = 0, len = 0;
	char *line = NULL, tmp[512];
	struct timespec t0, t1;
	ssize_t k;
	int c, dfd, *fds, each = 0;
	size_t batch = 0;

	while ((c = getopt(argc, argv, "b:s")) != -1)
		if (c == 's')
			each = 1;
		else if (c == 'b' && atoi(optarg) > 0)
			batch = (size_t)atoi(optarg);
		else
			goto usage;
	if (optind != argc - 1 || (each && batch))
		goto usage;
	while ((k = getline(&line, &len, stdin)) > 0) {
		if (line[k - 1] == '\n')
			line[k - 1] = '\0';
		if (*line == '\0')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			fs = realloc(fs, cap * sizeof *fs);
			if (fs == NULL)
				die("out of memory", "");
		}
		load(&fs[n], line);
		bytes += fs[n++].len;
	}
	free(line);
	if ((dfd = open(argv[optind], O_RDONLY | O_DIRECTORY)) < 0)
		die("cannot open", argv[optind]);
	if ((fds = malloc((n + 1) * sizeof *fds)) == NULL)
		die("out of memory", "");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t i = 0; i < n; i++) {
		int fd;

		snprintf(tmp, sizeof tmp, ".%.400s.%zu.tmp", fs[i].name, i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, fs[i].data, fs[i].len) !=
		    (ssize_t)fs[i].len)
			die("cannot write", tmp);
		if (each && fsync(fd) != 0)
			die("cannot flush", tmp);
		if (renameat(dfd, tmp, dfd, fs[i].name) != 0)
			die("cannot rename", tmp);
		if (each && fsync(dfd) != 0)
			die("cannot flush", argv[optind]);
		if (!batch) {
			close(fd);
			continue;
		}
		fds[i] = fd;
		if ((i + 1) % batch != 0 && i + 1 != n)
			continue;
		for (size_t j = i - i % batch; j <= i; j++) {
			if (fsync(fds[j]) != 0)
				die("cannot flush", fs[j].name);
			close(fds[j]);
		}
		if (fsync(dfd) != 0)
			die("cannot flush", argv[optind]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%zu %zu %.3f\n", n, bytes, (double)(t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9);
	close(dfd);
	for (size_t i = 0; i < n; i++) {
		free(fs[i].name);
		free(fs[i].data);
	}
	free(fs);
	free(fds);
	return 0;
usage:
	fprintf(stderr, "usage: put-files [-s | -b N] DIR < list\n");
	return 2;
}
