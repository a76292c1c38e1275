/*
 * fuzz-store-sql.c - structure-aware libFuzzer harness of the store
 * reader. Mutated SQLite bytes mostly die at the header, so this target
 * starts every input from a valid study.db (written once through the
 * store API, fuzz-study.h) and reads the input as a little program of
 * plain SQL changes to it: context entries, cells and samples inserted,
 * updated or deleted with fuzzed values of every SQLite type (text with
 * any bytes, blobs, huge or negative numbers, infinities, NULL), and a
 * few schema changes (wrong version, a dropped or renamed column, a view
 * in place of a table). Then `hpcvirt report` runs on it with the checks
 * of fuzz-study.h.
 *
 * Input: a sequence of operations, each one opcode byte and its
 * operands; a value is a type byte then its bytes (see take_value).
 */
#include <fcntl.h>
#include <stdint.h>

#include <sqlite3.h>

#include "fuzz-study.h"

#define MAX_OPS 48
#define MAX_FILL 64

struct rd {
	const uint8_t *p;
	size_t n;
};

static char *dir;     /* scratch: study.db of the current input */
static uint8_t *tmpl; /* the valid study.db every input starts from */
static size_t tmpl_len;

static uint8_t
take_u8(struct rd *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint64_t
take_u64(struct rd *r)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | take_u8(r);
	return v;
}

/* Bytes of a length given by the next byte (short inputs stay short). */
static const uint8_t *
take_bytes(struct rd *r, size_t *len)
{
	const uint8_t *p;

	*len = take_u8(r);
	if (*len > r->n)
		*len = r->n;
	p = r->p;
	r->p += *len;
	r->n -= *len;
	return p;
}

/* Words a real study holds, so that fuzzed cells find twins and bases. */
static const char *const vocab[] = {
	"native",
	"ns",
	"uml",
	"ok",
	"failed",
	"pending",
	"net.rr",
	"npb.cg",
	"half_rtt_p50_ns",
	"time_s",
	"ns",
	"s",
	"bytes/s",
	"{}",
	"{\"size_bytes\":\"64\",\"duration_s\":\"1\"}",
	"{\"threads\":\"1\",\"duration_s\":\"1\"}",
	"{\"threads\":\"2\",\"duration_s\":\"1\"}",
	"{\"ranks\":\"4\",\"threads\":\"1\"}",
	"{\"size_bytes\":64}",
	"[1,2]",
	"\"18446744073709551615\"",
	"18446744073709551616",
	"{\"native\":{\"start_ns\":1e308},\"ns\":{\"start_ns\":-1}}",
	"[{\"env\":\"uml\",\"bench\":\"b\",\"params\":\"p\",\"why\":\"w\"}]",
	"seed",
	"envs",
	"reduced",
	"net.stream",
	"bw_bytes_per_sec",
	"{\"size_bytes\":\"1024\",\"duration_s\":\"1\"}",
	"{\"block_bytes\":\"131072\"}",
	"teardown",
	"[{\"env\":\"uml\",\"why\":\"stop: busy\"}]",
};

/* Numbers at the edges, which random bytes seldom hit. */
static const double special[] = {
	INFINITY,
	-INFINITY,
	1.7976931348623157e308,
	-1.7976931348623157e308,
	4.9e-324,
	-0.0,
	0.0,
	1,
	2,
	0.5,
	1e15,
	9007199254740993.0,
	-1,
	100,
	1e-300,
	3.5,
};
#define NSPECIAL (sizeof(special) / sizeof(special[0]))

/* Bind the next fuzzed value of any SQLite type to parameter i of q. */
static void
take_value(struct rd *r, sqlite3_stmt *q, int i)
{
	const uint8_t *b;
	uint64_t u;
	double d;
	size_t len;

	switch (take_u8(r) % 8) {
	case 0:
		sqlite3_bind_null(q, i);
		break;
	case 1:
		sqlite3_bind_int64(q, i, (int64_t)take_u64(r));
		break;
	case 2:
		u = take_u64(r);
		memcpy(&d, &u, sizeof(d));
		sqlite3_bind_double(q, i, d); /* NaN becomes NULL */
		break;
	case 3:
		b = take_bytes(r, &len);
		sqlite3_bind_text(q, i, (const char *)b, (int)len,
				  SQLITE_TRANSIENT);
		break;
	case 4:
		b = take_bytes(r, &len);
		sqlite3_bind_blob(q, i, b, (int)len, SQLITE_TRANSIENT);
		break;
	case 5:
		sqlite3_bind_int(q, i, (int8_t)take_u8(r));
		break;
	case 6:
		sqlite3_bind_double(q, i, special[take_u8(r) % NSPECIAL]);
		break;
	default:
		sqlite3_bind_text(
			q, i,
			vocab[take_u8(r) % (sizeof(vocab) / sizeof(vocab[0]))],
			-1, SQLITE_STATIC);
		break;
	}
}

static const char *const cell_cols[] = {
	"id",
	"env",
	"bench",
	"params",
	"metric",
	"unit",
	"higher_is_better",
	"status",
	"reason",
};
static const char *const sample_cols[] = {
	"cell_id", "rep",	 "seq",	    "warmup",  "value",
	"raw",	   "t_start_ns", "wall_ns", "cpu_psi", "load1",
};

/* Schema changes a foreign or damaged study.db could have. */
static const char *const schema_ops[] = {
	"PRAGMA user_version = 2",
	"PRAGMA user_version = 0",
	"DROP TABLE sample",
	"DROP TABLE context",
	"ALTER TABLE cell RENAME COLUMN status TO st",
	"ALTER TABLE cell ADD COLUMN extra TEXT",
	"ALTER TABLE sample DROP COLUMN load1",
	"DROP TABLE cell; CREATE VIEW cell AS SELECT 1 AS id, 'native' AS env,"
	" 'b' AS bench, '{}' AS params, 'm' AS metric, 'ns' AS unit,"
	" 0 AS higher_is_better, 'ok' AS status, NULL AS reason",
	/* No types, no constraints: any value in any column. */
	"CREATE TABLE s2 AS SELECT * FROM sample; DROP TABLE sample;"
	" CREATE TABLE sample(cell_id, rep, seq, warmup, value, raw,"
	" t_start_ns, wall_ns, cpu_psi, load1);"
	" INSERT INTO sample SELECT * FROM s2; DROP TABLE s2",
	"CREATE TABLE c2 AS SELECT * FROM cell; DROP TABLE cell;"
	" CREATE TABLE cell(id, env, bench, params, metric, unit,"
	" higher_is_better, status, reason);"
	" INSERT INTO cell SELECT * FROM c2; DROP TABLE c2",
	"DELETE FROM context",
	"UPDATE sample SET warmup = 0",
};

/* Run sql with values from the input for its n parameters. */
static void
run(sqlite3 *db, struct rd *r, const char *sql, int n)
{
	sqlite3_stmt *q = NULL;
	int i;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return;
	for (i = 1; i <= n; i++)
		take_value(r, q, i);
	sqlite3_step(q); /* constraint failures are part of the game */
	sqlite3_finalize(q);
}

/* Many samples for one cell, so that analysis has work to do. */
static void
fill(sqlite3 *db, struct rd *r)
{
	int64_t cell = take_u8(r) % 8, rep0 = take_u8(r);
	int n = take_u8(r) % MAX_FILL, i;
	double base = (double)take_u8(r) + 1, step = (double)take_u8(r);
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO sample(cell_id, rep, seq, warmup,"
			       " value) VALUES(?1, ?2, ?2, 0, ?3)",
			       -1, &q, NULL) != SQLITE_OK)
		return;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(q, 1, cell);
		sqlite3_bind_int64(q, 2, rep0 + i);
		sqlite3_bind_double(q, 3, base + step * (i % 5));
		sqlite3_step(q);
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
}

static void
one_op(sqlite3 *db, struct rd *r)
{
	char sql[160];

	switch (take_u8(r) % 8) {
	case 0:
		run(db, r,
		    "INSERT OR REPLACE INTO context(key, json) VALUES(?1, ?2)",
		    2);
		break;
	case 1:
		run(db, r,
		    "INSERT INTO cell(id, env, bench, params, metric, unit,"
		    " higher_is_better, status, reason)"
		    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
		    9);
		break;
	case 2:
		run(db, r,
		    "INSERT INTO sample(cell_id, rep, seq, warmup, value, raw,"
		    " t_start_ns, wall_ns, cpu_psi, load1)"
		    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
		    10);
		break;
	case 3:
		snprintf(sql, sizeof(sql),
			 "UPDATE cell SET %s = ?1 WHERE rowid = ?2",
			 cell_cols[take_u8(r) % 9]);
		run(db, r, sql, 2);
		break;
	case 4:
		snprintf(sql, sizeof(sql),
			 "UPDATE sample SET %s = ?1 WHERE rowid = ?2",
			 sample_cols[take_u8(r) % 10]);
		run(db, r, sql, 2);
		break;
	case 5:
		run(db, r,
		    take_u8(r) & 1 ? "DELETE FROM cell WHERE rowid = ?1"
				   : "DELETE FROM sample WHERE rowid = ?1",
		    1);
		break;
	case 6:
		sqlite3_exec(db,
			     schema_ops[take_u8(r) % (sizeof(schema_ops) /
						      sizeof(schema_ops[0]))],
			     NULL, NULL, NULL);
		break;
	default:
		fill(db, r);
		break;
	}
}

/* The template: the small study of fs_write_study(), rollback journal. */
static void
make_template(void)
{
	char path[600];
	sqlite3 *db;
	FILE *f;
	long n;

	fs_write_study(dir, false);
	snprintf(path, sizeof(path), "%s/study.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_close(db) != SQLITE_OK)
		abort();
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) || !(tmpl = malloc((size_t)n)) ||
	    fread(tmpl, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	tmpl_len = (size_t)n;
}

static void
cleanup(void)
{
	fs_clear(dir);
	rmdir(dir);
	free(tmpl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd r = {data, size};
	char path[600];
	sqlite3 *db;
	int fd, i;

	if (!dir) {
		dir = fs_mkdtemp("store-sql");
		atexit(cleanup);
		make_template();
	}
	fs_clear(dir);
	snprintf(path, sizeof(path), "%s/study.db", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, tmpl, tmpl_len) != (ssize_t)tmpl_len ||
	    close(fd) < 0)
		abort();
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		abort();
	sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF",
		     NULL, NULL, NULL);
	for (i = 0; i < MAX_OPS && r.n; i++)
		one_op(db, &r);
	if (sqlite3_close(db) != SQLITE_OK)
		abort();
	fs_report(dir);
	return 0;
}
