/*
 * study-dir.h - for the C tests that run studies into a temporary
 * directory: remove what a study leaves there (header-only).
 */
#ifndef HPCVIRT_TEST_STUDY_DIR_H
#define HPCVIRT_TEST_STUDY_DIR_H

#include <stdio.h>
#include <unistd.h>

/* The study files of dir (the store and its WAL), then dir itself. */
static inline void
remove_study(const char *dir)
{
	static const char *const files[] = {"study.db", "study.db-wal",
					    "study.db-shm"};
	char path[600];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

#endif
