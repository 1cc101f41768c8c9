/*
 * Unit tests for lib/util.c's oms_write_file_nosync and oms_sync_files:
 * files written unflushed, then flushed together; what is put in a
 * file's place meanwhile (a fifo, a symbolic link, a directory) is
 * refused at once, never waited on nor followed.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "oms.h"
#include "unit.h"

static cJSON *
paths(const char *a, const char *b)
{
	cJSON *l = cJSON_CreateArray();

	cJSON_AddItemToArray(l, cJSON_CreateString(a));
	if (b != NULL)
		cJSON_AddItemToArray(l, cJSON_CreateString(b));
	return l;
}

static int
flush(const char *dir, const char *a, const char *b)
{
	cJSON *l = paths(a, b);
	int rc = oms_sync_files(dir, l);

	cJSON_Delete(l);
	return rc;
}

int
main(void)
{
	char dir[] = "/tmp/oms-syncfiles-XXXXXX", a[64], b[64], msg[512];
	struct stat sb;

	if (mkdtemp(dir) == NULL)
		return 1;
	/* A fifo that would block an open for reading ends the test, not it. */
	alarm(10);
	snprintf(a, sizeof a, "%s/1.zpl", dir);
	snprintf(b, sizeof b, "%s/1.pdf", dir);
	OK(oms_write_file_nosync(a, "^XA\n^XZ\n", 8) == OMS_OK &&
	    oms_write_file_nosync(b, "%PDF-1.4\n", 9) == OMS_OK,
	    "two files written, not flushed");
	OK(stat(a, &sb) == 0 && (sb.st_mode & 0777) == 0600 &&
	    sb.st_size == 8, "mode 0600, whole");
	OK(flush(dir, a, b) == OMS_OK, "flushed together, and the directory");
	/* A fifo put in a file's place: refused, not waited on. */
	unlink(b);
	OK(mkfifo(b, 0600) == 0, "a fifo where a label was");
	OK(flush(dir, a, b) == OMS_ERR, "a fifo is refused at once");
	snprintf(msg, sizeof msg, "cannot flush '%s': it is a fifo, not a "
	    "regular file", b);
	STR_EQ(oms_error(), msg, "and said");
	/* A symbolic link: not followed. */
	unlink(b);
	OK(symlink(a, b) == 0, "a symbolic link where a label was");
	OK(flush(dir, a, b) == OMS_ERR, "a symbolic link is refused");
	snprintf(msg, sizeof msg, "cannot flush '%s': it is a symbolic link, "
	    "not followed", b);
	STR_EQ(oms_error(), msg, "and said");
	/* A directory. */
	unlink(b);
	OK(mkdir(b, 0700) == 0, "a directory where a label was");
	OK(flush(dir, a, b) == OMS_ERR, "a directory is refused");
	snprintf(msg, sizeof msg, "cannot flush '%s': it is a directory, not "
	    "a regular file", b);
	STR_EQ(oms_error(), msg, "and said");
	rmdir(b);
	/* Gone: said. */
	OK(flush(dir, a, b) == OMS_ERR, "a file gone is an error");
	unlink(a);
	rmdir(dir);
	return UNIT_DONE();
}
