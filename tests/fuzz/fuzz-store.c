/*
 * fuzz-store.c - libFuzzer harness of `hpcvirt report` on a study.db it
 * did not write: the input is written as DIR/study.db in a scratch
 * directory, then opened read-only, loaded, walked, analysed and
 * rendered, with the checks of fuzz-study.h. The seeds are real studies
 * (gen-study-db.c); fuzz-store-sql.c reaches deeper by changing rows of
 * a valid database instead of its bytes.
 */
#include <fcntl.h>
#include <stdint.h>

#include "fuzz-study.h"

static char *dir;

static void
cleanup(void)
{
	fs_clear(dir);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[600];
	int fd;

	if (!dir) {
		dir = fs_mkdtemp("store");
		atexit(cleanup);
	}
	fs_clear(dir);
	snprintf(path, sizeof(path), "%s/study.db", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	fs_report(dir);
	return 0;
}
