/*
 * gen-study-db.c - write the seed corpus of the store fuzz target:
 * gen-study-db OUTDIR writes OUTDIR/wal.db, a small study.db exactly as
 * the store writes it (WAL mode), and OUTDIR/rollback.db, the same study
 * with a rollback journal. A mutated raw SQLite file rarely gets past the
 * header, so the fuzzer starts from real ones. fuzz.mk runs it.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "fuzz-study.h"

static void
copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	if (!in || !out)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			abort();
	if (ferror(in) || fclose(out) != 0)
		abort();
	fclose(in);
}

int
main(int argc, char **argv)
{
	char db[600], to[600];
	sqlite3 *h;
	char *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-study-db OUTDIR\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) < 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	dir = fs_mkdtemp("gen");
	fs_write_study(dir);
	snprintf(db, sizeof(db), "%s/study.db", dir);
	snprintf(to, sizeof(to), "%s/wal.db", argv[1]);
	copy_file(db, to);
	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
		    SQLITE_OK)
		abort();
	sqlite3_close(h);
	snprintf(to, sizeof(to), "%s/rollback.db", argv[1]);
	copy_file(db, to);
	fs_clear(dir);
	rmdir(dir);
	free(dir);
	return 0;
}
