/*
 * test-store.c - a study survives a close and reopen unchanged, and a
 * writer killed with SIGKILL halfway loses none of the cells it finished.
 * Everything happens in a fresh directory under $TMPDIR (or /tmp), which
 * is removed at the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "hpcvirt/results/store.h"
#include "tap.h"

#define KILL_REPS 5
#define KILL_CELLS 200

static struct hv_cell *
new_cell(struct hv_study *s, const char *env, const char *size)
{
	struct hv_params p;
	struct hv_cell *c = NULL;

	hv_params_init(&p);
	hv_params_set(&p, "size_bytes", size);
	hv_params_set(&p, "mode", "a,b=\"c\"");
	if (hv_study_add_cell(s, env, "net.rr", &p, "half_rtt_p50_ns", "ns",
			      false, &c) < 0)
		c = NULL;
	hv_params_release(&p);
	return c;
}

/* Store a sample and mirror it (unless warm-up) in the in-memory cell. */
static int
put(struct hv_store *st, struct hv_cell *c, int rep, bool warm, double v)
{
	struct hv_sample smp = {.rep = rep,
				.seq = rep,
				.warmup = warm,
				.value = v,
				.raw = "{\"k\":1}",
				.t_start_ns = 1000 + rep,
				.wall_ns = 7};
	struct hv_err err;

	if (hv_store_add_sample(st, c, &smp, &err) < 0)
		return -1;
	return 0;
}

static int
count_raw(const struct hv_sample *smp, void *arg)
{
	int *n = arg;

	if (smp->raw && strcmp(smp->raw, "{\"k\":1}") == 0 && smp->wall_ns == 7)
		(*n)++;
	return 0;
}

/* Write a small study: native ok, ns failed, uml pending. */
static void
write_study(const char *dir, struct hv_study *s)
{
	struct hv_store *st;
	struct hv_cell *c;
	struct hv_err err;
	int rc, bad = 0;

	hv_err_init(&err);
	hv_study_init(s);
	rc = hv_store_open(&st, dir, HV_STORE_NEW, &err);
	ok(rc == 0, "open with create (%s)", err.msg);
	if (rc < 0)
		return;
	bad |= hv_store_put_context(st, "seed", "18446744073709551557", &err);
	bad |= hv_store_put_context(st, "host", "\"box\"", &err);
	bad |= hv_store_put_context(st, "seed", "18446744073709551557", &err);
	ok(!bad, "context written (%s)", err.msg);
	ok(hv_store_put_context(st, "x", "{oops", &err) == -EINVAL,
	   "context: invalid JSON refused");
	c = new_cell(s, "native", "1");
	ok(hv_store_add_cell(st, c, &err) == 0 && c->id > 0, "cell added");
	/* Out of rep order on purpose; rep 0 is a warm-up. */
	bad = put(st, c, 2, false, 12.0) | put(st, c, 0, true, 99.0) |
	      put(st, c, 1, false, 11.0) | put(st, c, 3, false, 13.0);
	ok(!bad, "samples added");
	ok(put(st, c, 1, false, 5.0) < 0, "duplicate rep refused");
	hv_cell_add_sample(c, 11.0);
	hv_cell_add_sample(c, 12.0);
	hv_cell_add_sample(c, 13.0);
	c->status = HV_CELL_OK;
	ok(hv_store_set_status(st, c, &err) == 0, "status set");
	c = new_cell(s, "ns", "1");
	hv_store_add_cell(st, c, &err);
	c->status = HV_CELL_FAILED;
	hv_cell_set_reason(c, "agent did not start: \"timeout\"");
	ok(hv_store_set_status(st, c, &err) == 0, "failed status set");
	c = new_cell(s, "uml", "64");
	hv_store_add_cell(st, c, &err);
	put(st, c, 0, false, 40.0);
	hv_cell_add_sample(c, 40.0);
	c = new_cell(s, "lxc", "64");
	ok(hv_store_add_sample(st, c, &(struct hv_sample){0}, &err) == -EINVAL,
	   "sample of an unstored cell refused");
	s->ncells--; /* never stored: not part of the expected study */
	hv_params_release(&c->params);
	free(c->env), free(c->bench), free(c->metric), free(c->unit);
	hv_store_close(st);
}

static bool
cells_equal(const struct hv_cell *a, const struct hv_cell *b)
{
	char pa[128], pb[128];
	size_t i;

	hv_params_format(&a->params, pa, sizeof(pa));
	hv_params_format(&b->params, pb, sizeof(pb));
	if (a->id != b->id || strcmp(a->env, b->env) || strcmp(pa, pb) ||
	    strcmp(a->bench, b->bench) || strcmp(a->metric, b->metric) ||
	    strcmp(a->unit, b->unit) || a->status != b->status ||
	    a->higher_is_better != b->higher_is_better || a->n != b->n)
		return false;
	if ((a->reason == NULL) != (b->reason == NULL) ||
	    (a->reason && strcmp(a->reason, b->reason)))
		return false;
	for (i = 0; i < a->n; i++)
		if (a->samples[i] != b->samples[i])
			return false;
	return true;
}

/* A second writer of the same study dir is refused while the first has
 * it open, in this process or another. */
static void
test_lock(const char *dir, struct hv_store *writer)
{
	struct hv_store *st = NULL;
	struct hv_err err;
	int status = -1;
	pid_t pid;

	(void)writer;
	hv_err_init(&err);
	ok(hv_store_open(&st, dir, HV_STORE_RESUME, &err) == -EBUSY &&
		   strstr(err.msg, "another"),
	   "second writer refused: %s", err.msg);
	pid = fork();
	if (pid == 0)
		_exit(hv_store_open(&st, dir, HV_STORE_RESUME, &err) == -EBUSY
			      ? 0
			      : 1);
	if (pid > 0)
		waitpid(pid, &status, 0);
	ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "writer in another process refused");
	ok(hv_store_open(&st, dir, HV_STORE_READ, &err) == 0,
	   "a reader may open a study being written (%s)", err.msg);
	hv_store_close(st);
}

static int
count_reps(const struct hv_sample *smp, void *arg)
{
	(void)smp;
	(*(int *)arg)++;
	return 0;
}

/* A rolled-back group of samples leaves nothing; a committed one all. */
static void
test_txn(struct hv_store *st, const struct hv_study *s)
{
	const struct hv_cell *c = &s->cells[2]; /* uml, one sample */
	struct hv_err err;
	int n = 0;

	hv_err_init(&err);
	ok(hv_store_begin(st, &err) == 0, "begin (%s)", err.msg);
	put(st, (struct hv_cell *)c, 5, false, 1.0);
	hv_store_rollback(st);
	hv_store_foreach_raw(st, c, count_reps, &n, &err);
	is_int(n, 1, "rolled back: the sample is not stored");
	n = 0;
	ok(hv_store_begin(st, &err) == 0 &&
		   put(st, (struct hv_cell *)c, 5, false, 1.0) == 0 &&
		   hv_store_commit(st, &err) == 0,
	   "begin, sample, commit (%s)", err.msg);
	hv_store_foreach_raw(st, c, count_reps, &n, &err);
	is_int(n, 2, "committed: the sample is stored");
}

static void
test_roundtrip(const char *root)
{
	char dir[512];
	struct hv_study want, got;
	struct hv_store *st;
	struct hv_err err;
	size_t i;
	int n = 0, rc;

	hv_err_init(&err);
	snprintf(dir, sizeof(dir), "%s/a/b", root);
	write_study(dir, &want);
	hv_study_init(&got);
	ok(hv_store_open(&st, dir, HV_STORE_READ, &err) == 0, "reopen (%s)",
	   err.msg);
	ok(hv_store_load(st, &got, &err) == 0, "load (%s)", err.msg);
	is_int(got.ncells, want.ncells, "load: cell count");
	for (i = 0; i < want.ncells && i < got.ncells; i++)
		ok(cells_equal(&want.cells[i], &got.cells[i]),
		   "load: cell %zu (%s) equal", i, want.cells[i].env);
	ok(got.seed == 18446744073709551557ULL, "load: seed from context");
	is_int(got.context.n, 2, "load: context entries");
	is_str(got.context.v[0].key, "seed", "load: context order kept");
	is_str(hv_context_get(&got, "host"), "\"box\"", "load: context value");
	rc = hv_store_foreach_raw(st, &got.cells[0], count_raw, &n, &err);
	ok(rc == 0 && n == 4, "raw kernel output stored for every rep (%d)", n);
	ok(hv_store_load(st, &got, &err) == -EINVAL,
	   "load into a non-empty study refused");
	ok(hv_store_put_context(st, "seed", "\"x1\"", &err) == -EROFS,
	   "a store opened to read refuses writes (%s)", err.msg);
	hv_store_close(st);
	ok(hv_store_open(&st, dir, HV_STORE_NEW, &err) == -EEXIST &&
		   strstr(err.msg, "--resume"),
	   "a new study over an old one refused (%s)", err.msg);
	ok(hv_store_open(&st, dir, HV_STORE_RESUME, &err) == 0,
	   "reopen to write (%s)", err.msg);
	test_lock(dir, st);
	test_txn(st, &got);
	ok(hv_store_put_context(st, "seed", "\"x1\"", &err) == 0,
	   "bad seed written");
	hv_study_release(&got);
	ok(hv_store_load(st, &got, &err) == -EINVAL && got.ncells == 0 &&
		   strstr(err.msg, "x1"),
	   "bad seed: load fails, names it (%s)", err.msg);
	hv_store_put_context(st, "seed", "\"7\"", &err);
	ok(hv_store_load(st, &got, &err) == 0 && got.seed == 7,
	   "seed as a JSON string");
	hv_store_close(st);
	hv_study_release(&got);
	hv_study_release(&want);
}

static void
test_errors(const char *root)
{
	char dir[512], path[600];
	struct hv_store *st = NULL;
	struct hv_err err;
	FILE *f;
	int rc;

	snprintf(dir, sizeof(dir), "%s/missing", root);
	hv_err_init(&err);
	rc = hv_store_open(&st, dir, HV_STORE_READ, &err);
	ok(rc == -ENOENT && st == NULL, "missing study: -ENOENT (%d)", rc);
	ok(strstr(err.msg, dir) != NULL, "message names the path: %s", err.msg);
	ok(access(dir, F_OK) < 0, "missing study: nothing created");
	ok(hv_store_open(&st, dir, HV_STORE_RESUME, &err) == -ENOENT &&
		   access(dir, F_OK) < 0,
	   "resume of a missing study: -ENOENT, nothing created");
	snprintf(dir, sizeof(dir), "%s/junk", root);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/study.db", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("this is not a database, just some text to fill a page\n",
		      f);
		fclose(f);
	}
	rc = hv_store_open(&st, dir, HV_STORE_READ, &err);
	ok(rc < 0 && strstr(err.msg, path), "not a database: %d (%s)", rc,
	   err.msg);
	snprintf(dir, sizeof(dir), "%s/plain", root);
	f = fopen(dir, "w");
	if (f)
		fclose(f);
	ok(hv_store_open(&st, dir, HV_STORE_NEW, &err) == -ENOTDIR,
	   "create over a file: -ENOTDIR (%s)", err.msg);
}

/*
 * A sample value the store never writes (infinite, text, NULL in an
 * untyped copy of the table) fails the load as bad data naming the cell,
 * not as "out of memory" (found by tests/fuzz/fuzz-store-sql.c).
 */
static void
test_bad_values(const char *root)
{
	static const char *const damage[] = {
		"UPDATE sample SET value = 9e999",
		"UPDATE sample SET value = 'abc'",
		"CREATE TABLE s2 AS SELECT * FROM sample; DROP TABLE sample;"
		" CREATE TABLE sample(cell_id, rep, seq, warmup, value, raw,"
		" t_start_ns, wall_ns, cpu_psi, load1);"
		" INSERT INTO sample SELECT * FROM s2; DROP TABLE s2;"
		" UPDATE sample SET value = NULL",
	};
	char dir[512], path[600];
	struct hv_study s;
	struct hv_store *st;
	struct hv_err err;
	sqlite3 *db;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/bad-value-%zu", root, i);
		snprintf(path, sizeof(path), "%s/study.db", dir);
		write_study(dir, &s);
		hv_study_release(&s);
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, damage[i], NULL, NULL, NULL) != SQLITE_OK)
			diag("damaging %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		hv_study_init(&s);
		hv_err_init(&err);
		rc = hv_store_open(&st, dir, HV_STORE_READ, &err);
		if (rc == 0) {
			rc = hv_store_load(st, &s, &err);
			hv_store_close(st);
		}
		ok(rc == -EINVAL && strstr(err.msg, "not a finite number") &&
			   s.ncells == 0,
		   "%s: refused (%s)", damage[i], err.msg);
		hv_study_release(&s);
	}
}

/* Child: write cells forever (bounded), report each finished one. */
static void
killed_writer(const char *dir, int fd)
{
	struct hv_study s;
	struct hv_store *st;
	struct hv_cell *c;
	struct hv_err err;
	char size[16];
	int i, r;

	hv_study_init(&s);
	if (hv_store_open(&st, dir, HV_STORE_NEW, &err) < 0)
		_exit(3);
	hv_store_put_context(st, "seed", "5", &err);
	for (i = 0; i < KILL_CELLS; i++) {
		snprintf(size, sizeof(size), "%d", i);
		c = new_cell(&s, i % 2 ? "ns" : "native", size);
		if (!c || hv_store_add_cell(st, c, &err) < 0)
			_exit(4);
		for (r = 0; r < KILL_REPS; r++)
			if (put(st, c, r, false, 10.0 + r) < 0)
				_exit(5);
		c->status = HV_CELL_OK;
		if (hv_store_set_status(st, c, &err) < 0)
			_exit(6);
		if (write(fd, "x", 1) != 1)
			_exit(7);
	}
	/* Wait for the parent's SIGKILL (bounded, should it die first). */
	alarm(30);
	pause();
	_exit(0);
}

static void
test_kill(const char *root)
{
	char dir[512], b;
	struct hv_study s;
	struct hv_store *st;
	struct hv_err err;
	int fds[2], status, done = 0;
	size_t i, nok = 0, good = 0;
	pid_t pid;

	hv_err_init(&err);
	snprintf(dir, sizeof(dir), "%s/killed", root);
	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		ok(0, "fork for the kill test");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		killed_writer(dir, fds[1]);
	}
	close(fds[1]);
	while (done < 3 && read(fds[0], &b, 1) == 1)
		done++;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	while (read(fds[0], &b, 1) == 1)
		done++; /* cells finished between our read and the kill */
	close(fds[0]);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "writer killed mid-study after %d cells", done);
	hv_study_init(&s);
	ok(hv_store_open(&st, dir, HV_STORE_READ, &err) == 0 &&
		   hv_store_load(st, &s, &err) == 0,
	   "killed study loads (%s)", err.msg);
	for (i = 0; i < s.ncells; i++) {
		if (s.cells[i].status != HV_CELL_OK)
			continue;
		nok++;
		good += s.cells[i].n == KILL_REPS &&
			s.cells[i].samples[KILL_REPS - 1] ==
				10.0 + KILL_REPS - 1;
	}
	/* The child may finish one more cell between its last report and
	 * the kill. */
	ok(done >= 3 && nok >= (size_t)done && nok <= (size_t)done + 1,
	   "every finished cell is there (%zu, %d reported)", nok, done);
	ok(good == nok, "with all its samples");
	ok(s.ncells <= nok + 1, "at most one unfinished cell (%zu)", s.ncells);
	ok(s.seed == 5, "context of the killed study");
	hv_store_close(st);
	hv_study_release(&s);
}

static void
remove_tree(const char *root)
{
	char *argv[] = {"rm", "-rf", (char *)root, NULL};
	pid_t pid = fork();

	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char root[256];

	snprintf(root, sizeof(root), "%s/hv-test-store.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		ok(0, "mkdtemp %s", root);
		return done_testing();
	}
	test_errors(root);
	test_roundtrip(root);
	test_bad_values(root);
	test_kill(root);
	remove_tree(root);
	return done_testing();
}
