/*
 * gen-study-db.c - write the seed corpus of the store fuzz target:
 * gen-study-db OUTDIR writes OUTDIR/wal.db, a small study.db exactly as
 * the store writes it (WAL mode), OUTDIR/rollback.db, the same study with
 * a rollback journal, and OUTDIR/small.db, a smaller one (rollback). A
 * mutated raw SQLite file rarely gets past the header, so the fuzzer
 * starts from real ones. fuzz.mk runs it.
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

static void
copy_to(const char *db, const char *outdir, const char *name)
{
	char to[600];

	snprintf(to, sizeof(to), "%s/%s", outdir, name);
	copy_file(db, to);
}

/* The same database with a rollback journal instead of WAL. */
static void
rollback(const char *db)
{
	sqlite3 *h;

	if (sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
		    SQLITE_OK)
		abort();
	sqlite3_close(h);
}

int
main(int argc, char **argv)
{
	char db[600];
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
	snprintf(db, sizeof(db), "%s/study.db", dir);
	fs_write_study(dir, true);
	copy_to(db, argv[1], "wal.db");
	rollback(db);
	copy_to(db, argv[1], "rollback.db");
	fs_clear(dir);
	fs_write_study(dir, false);
	rollback(db);
	copy_to(db, argv[1], "small.db");
	fs_clear(dir);
	rmdir(dir);
	free(dir);
	return 0;
}
