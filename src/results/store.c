/*
 * store.c - a study on disk: DIR/study.db, one SQLite database.
 *
 * The database runs in WAL mode with synchronous=NORMAL and every write
 * is a single autocommitted statement, so each context entry, cell and
 * sample is durable the moment its function returns: a study killed
 * halfway (SIGKILL, OOM, a lost ssh session) keeps everything written
 * before, and hv_store_load() rebuilds it. (WAL with synchronous=NORMAL
 * survives a killed process; only a power loss may drop the last
 * commits.) The hot writes use statements prepared once at open.
 *
 * Schema version 1, recorded in PRAGMA user_version:
 *   context(key TEXT PRIMARY KEY, json TEXT)     in insertion order
 *   cell(id, env, bench, params, metric, unit, higher_is_better,
 *        status, reason)   params is a JSON object of strings, in order;
 *                          status is "pending", "ok" or "failed"
 *   sample(cell_id, rep, seq, warmup, value, raw, t_start_ns, wall_ns,
 *          cpu_psi, load1)
 *                          one row per repetition, warm-ups included
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "hpcvirt/results/store.h"

#define STORE_FILE "study.db"
#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000

static const char schema_sql[] =
	"BEGIN;"
	"CREATE TABLE context(key TEXT PRIMARY KEY, json TEXT NOT NULL);"
	"CREATE TABLE cell(id INTEGER PRIMARY KEY, env TEXT NOT NULL,"
	" bench TEXT NOT NULL, params TEXT NOT NULL, metric TEXT NOT NULL,"
	" unit TEXT NOT NULL, higher_is_better INTEGER NOT NULL,"
	" status TEXT NOT NULL, reason TEXT);"
	"CREATE TABLE sample(cell_id INTEGER NOT NULL REFERENCES cell(id),"
	" rep INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" warmup INTEGER NOT NULL, value REAL NOT NULL, raw TEXT,"
	" t_start_ns INTEGER, wall_ns INTEGER, cpu_psi REAL, load1 REAL,"
	" PRIMARY KEY(cell_id, rep));"
	"PRAGMA user_version = 1;"
	"COMMIT;";

static const char put_context_sql[] =
	"INSERT INTO context(key, json) VALUES(?1, ?2)"
	" ON CONFLICT(key) DO UPDATE SET json = excluded.json";
static const char add_cell_sql[] =
	"INSERT INTO cell(env, bench, params, metric, unit,"
	" higher_is_better, status, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)";
static const char set_status_sql[] =
	"UPDATE cell SET status = ?1, reason = ?2 WHERE id = ?3";
static const char add_sample_sql[] =
	"INSERT INTO sample(cell_id, rep, seq, warmup, value, raw,"
	" t_start_ns, wall_ns, cpu_psi, load1)"
	" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)";
static const char raw_sql[] =
	"SELECT rep, seq, warmup, value, raw, t_start_ns, wall_ns"
	" FROM sample WHERE cell_id = ?1 ORDER BY rep";

struct hv_store {
	sqlite3 *db;
	int lock_fd; /* the study dir, flock()ed while it is written; or -1 */
	char path[PATH_MAX];
	sqlite3_stmt *put_context;
	sqlite3_stmt *add_cell;
	sqlite3_stmt *set_status;
	sqlite3_stmt *add_sample;
};

static int
sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return EACCES;
	case SQLITE_CANTOPEN:
		return ENOENT;
	case SQLITE_CONSTRAINT:
		return EEXIST;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_MISMATCH:
		return EINVAL;
	}
	return EIO;
}

/* Turn the database's last error into *err, naming the file and step. */
static int
db_fail(const struct hv_store *st, int rc, const char *what, struct hv_err *err)
{
	return hv_err_set(err, sqlite_errno(rc), "%s: %s: %s", st->path, what,
			  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
}

/* mkdir -p with mode 0755; the last component must end up a directory. */
static int
make_dirs(const char *dir, struct hv_err *err)
{
	char buf[PATH_MAX];
	struct stat sb;
	size_t i, len = strlen(dir);

	if (len >= sizeof(buf))
		return hv_err_set(err, ENAMETOOLONG, "study dir '%s': too long",
				  dir);
	memcpy(buf, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return hv_err_sys(err, errno, "cannot create '%s'",
					  buf);
		buf[i] = dir[i];
	}
	if (stat(dir, &sb) < 0)
		return hv_err_sys(err, errno, "study dir '%s'", dir);
	if (!S_ISDIR(sb.st_mode))
		return hv_err_set(err, ENOTDIR,
				  "study dir '%s': exists and is not a "
				  "directory",
				  dir);
	return 0;
}

static int
exec_sql(struct hv_store *st, const char *sql, const char *what,
	 struct hv_err *err)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(st, rc, what, err);
}

static int
user_version(struct hv_store *st, int *out, struct hv_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(q, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_OK ? 0 : db_fail(st, rc, "reading schema", err);
}

/*
 * Create the schema in a new database, or check an existing one's. A new
 * study never goes into a database that holds one: two studies in one
 * file would mix their cells.
 */
static int
setup_schema(struct hv_store *st, enum hv_store_mode mode, struct hv_err *err)
{
	int ver = 0, rc;

	rc = user_version(st, &ver, err);
	if (rc < 0)
		return rc;
	if (ver == 0 && mode == HV_STORE_NEW)
		return exec_sql(st, schema_sql, "creating schema", err);
	if (ver == SCHEMA_VERSION && mode == HV_STORE_NEW)
		return hv_err_set(err, EEXIST,
				  "%s already holds a study: finish it with "
				  "--resume, or choose another --out",
				  st->path);
	if (ver != SCHEMA_VERSION)
		return hv_err_set(err, ENOTSUP,
				  "%s: schema version %d, expected %d (not a "
				  "study of this hpcvirt)",
				  st->path, ver, SCHEMA_VERSION);
	return 0;
}

static int
prepare_all(struct hv_store *st, struct hv_err *err)
{
	const struct {
		const char *sql;
		sqlite3_stmt **q;
	} t[] = {
		{put_context_sql, &st->put_context},
		{add_cell_sql, &st->add_cell},
		{set_status_sql, &st->set_status},
		{add_sample_sql, &st->add_sample},
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		rc = sqlite3_prepare_v3(st->db, t[i].sql, -1,
					SQLITE_PREPARE_PERSISTENT, t[i].q,
					NULL);
		if (rc != SQLITE_OK)
			return db_fail(st, rc, "preparing statements", err);
	}
	return 0;
}

/*
 * One writer per study: the directory is flock()ed (not study.db, whose
 * POSIX locks belong to SQLite and would be dropped by closing another
 * descriptor of it). The lock goes with the process, however it ends.
 */
static int
lock_dir(struct hv_store *st, const char *dir, struct hv_err *err)
{
	st->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->lock_fd < 0)
		return hv_err_sys(err, errno, "study dir '%s'", dir);
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return hv_err_set(err, EBUSY,
				  "study dir '%s' is being written by another "
				  "hpcvirt run",
				  dir);
	return hv_err_sys(err, errno, "cannot lock '%s'", dir);
}

static int
open_db(struct hv_store *st, enum hv_store_mode mode, struct hv_err *err)
{
	/* A study opened to read it is never written to, whatever it holds
	 * (an empty or foreign file stays as it was); one being resumed is
	 * never created. */
	static const int flags[] = {
		[HV_STORE_READ] = SQLITE_OPEN_READONLY,
		[HV_STORE_NEW] = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		[HV_STORE_RESUME] = SQLITE_OPEN_READWRITE,
	};
	bool write = mode != HV_STORE_READ;
	int rc;

	rc = sqlite3_open_v2(st->path, &st->db, flags[mode], NULL);
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "cannot open", err);
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if (write)
		rc = exec_sql(st,
			      "PRAGMA journal_mode=WAL; PRAGMA "
			      "synchronous=NORMAL; PRAGMA foreign_keys=ON;",
			      "setting journal mode", err);
	if (rc == 0)
		rc = setup_schema(st, mode, err);
	if (rc == 0 && write)
		rc = prepare_all(st, err);
	return rc;
}

int
hv_store_open(struct hv_store **out, const char *dir, enum hv_store_mode mode,
	      struct hv_err *err)
{
	struct hv_store *st = NULL;
	struct stat sb;
	int n, rc;

	*out = NULL;
	if (!dir || !*dir)
		return hv_err_set(err, EINVAL,
				  "empty study dir: expected a directory path");
	st = calloc(1, sizeof(*st));
	if (!st)
		return hv_err_set(err, ENOMEM, "study '%s': out of memory",
				  dir);
	st->lock_fd = -1;
	n = snprintf(st->path, sizeof(st->path), "%s/%s", dir, STORE_FILE);
	if (n < 0 || (size_t)n >= sizeof(st->path)) {
		rc = hv_err_set(err, ENAMETOOLONG, "study dir '%s': too long",
				dir);
		goto out;
	}
	if (mode == HV_STORE_NEW)
		rc = make_dirs(dir, err);
	else if (stat(st->path, &sb) < 0)
		rc = hv_err_sys(err, errno, "no study in '%s' (cannot open %s)",
				dir, st->path);
	else
		rc = 0;
	if (rc == 0 && mode != HV_STORE_READ)
		rc = lock_dir(st, dir, err);
	if (rc == 0)
		rc = open_db(st, mode, err);
out:
	if (rc < 0)
		hv_store_close(st);
	else
		*out = st;
	return rc;
}

void
hv_store_close(struct hv_store *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->put_context);
	sqlite3_finalize(st->add_cell);
	sqlite3_finalize(st->set_status);
	sqlite3_finalize(st->add_sample);
	sqlite3_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st);
}

/* Writes need a store opened with create; a read-only one refuses them. */
static int
read_only(const struct hv_store *st, struct hv_err *err)
{
	return hv_err_set(err, EROFS, "%s: opened read-only (to report on it)",
			  st->path);
}

/* Step a prepared write to completion and make it ready for reuse. */
static int
run_write(struct hv_store *st, sqlite3_stmt *q, const char *what,
	  struct hv_err *err)
{
	int rc = sqlite3_step(q);

	if (rc != SQLITE_DONE)
		rc = db_fail(st, rc, what, err);
	else
		rc = 0;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

int
hv_store_put_context(struct hv_store *st, const char *key, const char *json,
		     struct hv_err *err)
{
	sqlite3_stmt *q = st->put_context;
	cJSON *j;

	if (!st->put_context)
		return read_only(st, err);

	if (!key || !*key || !json)
		return hv_err_set(err, EINVAL, "context entry without a key");
	j = cJSON_ParseWithOpts(json, NULL, true);
	if (!j)
		return hv_err_set(err, EINVAL,
				  "context '%s': '%.80s' is not a JSON value",
				  key, json);
	cJSON_Delete(j);
	sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, json, -1, SQLITE_TRANSIENT);
	return run_write(st, q, "writing context", err);
}

/* The parameters as a JSON object of strings, in order (caller frees). */
static char *
params_json(const struct hv_params *p)
{
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < p->n; i++)
		if (!cJSON_AddStringToObject(o, p->v[i].key, p->v[i].value))
			goto out;
	txt = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return txt;
}

static void
bind_opt_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, i);
}

int
hv_store_add_cell(struct hv_store *st, struct hv_cell *c, struct hv_err *err)
{
	sqlite3_stmt *q = st->add_cell;
	char *params;
	int rc;

	if (!st->add_cell)
		return read_only(st, err);

	params = params_json(&c->params);
	if (!params)
		return hv_err_set(err, ENOMEM, "%s %s: out of memory", c->env,
				  c->bench);
	sqlite3_bind_text(q, 1, c->env, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, c->bench, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, params, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, c->metric, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, c->unit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 6, c->higher_is_better);
	sqlite3_bind_text(q, 7, hv_cell_status_name(c->status), -1,
			  SQLITE_STATIC);
	bind_opt_text(q, 8, c->reason);
	cJSON_free(params);
	rc = run_write(st, q, "adding a cell", err);
	if (rc == 0)
		c->id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

int
hv_store_set_status(struct hv_store *st, const struct hv_cell *c,
		    struct hv_err *err)
{
	sqlite3_stmt *q = st->set_status;
	int rc;

	if (!st->set_status)
		return read_only(st, err);

	if (c->id <= 0)
		return hv_err_set(err, EINVAL, "%s %s: cell is not stored",
				  c->env, c->bench);
	sqlite3_bind_text(q, 1, hv_cell_status_name(c->status), -1,
			  SQLITE_STATIC);
	bind_opt_text(q, 2, c->reason);
	sqlite3_bind_int64(q, 3, c->id);
	rc = run_write(st, q, "setting cell status", err);
	if (rc == 0 && sqlite3_changes(st->db) != 1)
		rc = hv_err_set(err, ENOENT, "%s: no cell with id %" PRId64,
				st->path, c->id);
	return rc;
}

/* Host load readings are unknown when negative: stored as NULL. */
static void
bind_opt_double(sqlite3_stmt *q, int i, double v)
{
	if (v >= 0 && isfinite(v))
		sqlite3_bind_double(q, i, v);
	else
		sqlite3_bind_null(q, i);
}

/* Raise *max to column i of q when it is not NULL. */
static void
max_col(sqlite3_stmt *q, int i, double *max)
{
	double v;

	if (sqlite3_column_type(q, i) == SQLITE_NULL)
		return;
	v = sqlite3_column_double(q, i);
	if (v > *max)
		*max = v;
}

int
hv_store_add_sample(struct hv_store *st, const struct hv_cell *c,
		    const struct hv_sample *smp, struct hv_err *err)
{
	sqlite3_stmt *q = st->add_sample;

	if (!st->add_sample)
		return read_only(st, err);

	if (c->id <= 0)
		return hv_err_set(err, EINVAL, "%s %s: cell is not stored",
				  c->env, c->bench);
	if (!isfinite(smp->value))
		return hv_err_set(err, EINVAL,
				  "%s %s rep %d: value %g is not finite",
				  c->env, c->bench, smp->rep, smp->value);
	sqlite3_bind_int64(q, 1, c->id);
	sqlite3_bind_int(q, 2, smp->rep);
	sqlite3_bind_int(q, 3, smp->seq);
	sqlite3_bind_int(q, 4, smp->warmup);
	sqlite3_bind_double(q, 5, smp->value);
	bind_opt_text(q, 6, smp->raw);
	sqlite3_bind_int64(q, 7, smp->t_start_ns);
	sqlite3_bind_int64(q, 8, smp->wall_ns);
	bind_opt_double(q, 9, smp->cpu_psi);
	bind_opt_double(q, 10, smp->load1);
	return run_write(st, q, "adding a sample", err);
}

static const char *
col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? (const char *)t : "";
}

/* The seed is a JSON number or a JSON string of decimal digits. */
static int
parse_seed(const char *json, uint64_t *out, struct hv_err *err)
{
	const char *txt = json;
	unsigned long long v = 0;
	bool digits;
	cJSON *j = NULL;
	char *end = NULL;
	int rc = 0;

	if (json[0] == '"') {
		j = cJSON_ParseWithOpts(json, NULL, true);
		txt = cJSON_IsString(j) ? j->valuestring : NULL;
	}
	errno = 0;
	digits = txt && *txt >= '0' && *txt <= '9';
	if (digits)
		v = strtoull(txt, &end, 10);
	if (!digits || errno || *end)
		rc = hv_err_set(err, EINVAL,
				"context seed '%.60s': expected an unsigned "
				"64-bit integer",
				json);
	else
		*out = v;
	cJSON_Delete(j);
	return rc;
}

static int
load_context(struct hv_store *st, struct hv_study *s, struct hv_err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db,
				"SELECT key, json FROM context ORDER BY rowid",
				-1, &q, NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(st, rc, "reading context", err);
		goto out;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = hv_context_set_json(s, col_text(q, 0), col_text(q, 1));
		if (rc < 0) {
			rc = hv_err_set(err, -rc, "%s: context '%s': bad value",
					st->path, col_text(q, 0));
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(st, rc, "reading context", err);
	if (rc == 0 && hv_context_get(s, "seed"))
		rc = parse_seed(hv_context_get(s, "seed"), &s->seed, err);
out:
	sqlite3_finalize(q);
	return rc;
}

/* Parameters from the JSON object of strings written by params_json(). */
static int
parse_params(const struct hv_store *st, int64_t id, const char *json,
	     struct hv_params *p, struct hv_err *err)
{
	cJSON *o = cJSON_Parse(json);
	const cJSON *it;
	int rc = 0;

	if (!cJSON_IsObject(o)) {
		rc = -EINVAL;
		goto out;
	}
	cJSON_ArrayForEach(it, o)
	{
		rc = cJSON_IsString(it)
			     ? hv_params_set(p, it->string, it->valuestring)
			     : -EINVAL;
		if (rc < 0)
			break;
	}
out:
	cJSON_Delete(o);
	if (rc < 0)
		return hv_err_set(err, -rc,
				  "%s: cell %" PRId64 ": bad params '%.60s'",
				  st->path, id, json);
	return 0;
}

static int
parse_status(const char *name, enum hv_cell_status *out)
{
	static const enum hv_cell_status all[] = {HV_CELL_PENDING, HV_CELL_OK,
						  HV_CELL_FAILED};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, hv_cell_status_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* A repetition's host CPU (columns 3 and 4, ns), into the cell's sums. */
static void
add_cpu(sqlite3_stmt *q, struct hv_cell *c)
{
	double box, kernel;

	if (sqlite3_column_type(q, 3) != SQLITE_INTEGER &&
	    sqlite3_column_type(q, 3) != SQLITE_FLOAT)
		return;
	if (sqlite3_column_type(q, 4) != SQLITE_INTEGER &&
	    sqlite3_column_type(q, 4) != SQLITE_FLOAT)
		return;
	box = sqlite3_column_double(q, 3) / 1e9;
	kernel = sqlite3_column_double(q, 4) / 1e9;
	if (!(box >= 0 && box < 1e7 && kernel >= 0 && kernel < 1e7))
		return;
	c->host_cpu_s += box;
	c->kernel_cpu_s += kernel;
	c->ncpu++;
	if ((sqlite3_column_type(q, 5) == SQLITE_INTEGER ||
	     sqlite3_column_type(q, 5) == SQLITE_FLOAT) &&
	    sqlite3_column_double(q, 5) > 0 &&
	    sqlite3_column_double(q, 5) < 1e18)
		c->work += sqlite3_column_double(q, 5);
}

static int
load_samples(struct hv_store *st, sqlite3_stmt *q, struct hv_cell *c,
	     struct hv_err *err)
{
	int rc, type;

	sqlite3_bind_int64(q, 1, c->id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		max_col(q, 1, &c->cpu_psi_max);
		max_col(q, 2, &c->load1_max);
		add_cpu(q, c);
		/* The store writes finite REALs; anything else is damage. */
		type = sqlite3_column_type(q, 0);
		if (type != SQLITE_FLOAT && type != SQLITE_INTEGER)
			rc = -EINVAL;
		else
			rc = hv_cell_add_sample(c, sqlite3_column_double(q, 0));
		if (rc < 0) {
			rc = hv_err_set(err, -rc, "%s: cell %" PRId64 ": %s",
					st->path, c->id,
					rc == -ENOMEM ? "loading samples"
						      : "a sample value is not "
							"a finite number");
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(st, rc, "reading samples", err);
out:
	sqlite3_reset(q);
	return rc;
}

/* Rebuild one cell from the current row of a cell query. */
static int
load_cell(struct hv_store *st, sqlite3_stmt *q, sqlite3_stmt *qs,
	  struct hv_study *s, struct hv_err *err)
{
	int64_t id = sqlite3_column_int64(q, 0);
	struct hv_params p;
	struct hv_cell *c;
	enum hv_cell_status status;
	int rc;

	hv_params_init(&p);
	rc = parse_params(st, id, col_text(q, 3), &p, err);
	if (rc < 0)
		goto out;
	if (parse_status(col_text(q, 7), &status) < 0) {
		rc = hv_err_set(err, EINVAL,
				"%s: cell %" PRId64 ": bad status '%s'",
				st->path, id, col_text(q, 7));
		goto out;
	}
	rc = hv_study_add_cell(s, col_text(q, 1), col_text(q, 2), &p,
			       col_text(q, 4), col_text(q, 5),
			       sqlite3_column_int(q, 6) != 0, &c);
	if (rc == 0 && sqlite3_column_type(q, 8) != SQLITE_NULL)
		rc = hv_cell_set_reason(c, col_text(q, 8));
	if (rc < 0) {
		rc = hv_err_set(err, -rc, "%s: cell %" PRId64 ": cannot load",
				st->path, id);
		goto out;
	}
	c->id = id;
	c->status = status;
	rc = load_samples(st, qs, c, err);
out:
	hv_params_release(&p);
	return rc;
}

static int
load_cells(struct hv_store *st, struct hv_study *s, struct hv_err *err)
{
	sqlite3_stmt *q = NULL, *qs = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db,
				"SELECT id, env, bench, params, metric, unit,"
				" higher_is_better, status, reason"
				" FROM cell ORDER BY id",
				-1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db,
					"SELECT value, cpu_psi, load1,"
					" CASE WHEN json_valid(raw) THEN"
					"  json_extract(raw,"
					"  '$.host.box_cpu_ns') END,"
					" CASE WHEN json_valid(raw) THEN"
					"  json_extract(raw,"
					"  '$.host.kernel_cpu_ns') END,"
					" CASE WHEN json_valid(raw) THEN"
					"  coalesce(json_extract(raw,"
					"  '$.result.results[0].transactions'),"
					"  json_extract(raw,"
					"  '$.result.results[0].bytes')) END"
					" FROM sample WHERE"
					" cell_id = ?1 AND warmup = 0"
					" ORDER BY rep",
					-1, &qs, NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(st, rc, "reading cells", err);
		goto out;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = load_cell(st, q, qs, s, err);
		if (rc < 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(st, rc, "reading cells", err);
out:
	sqlite3_finalize(q);
	sqlite3_finalize(qs);
	return rc;
}

/*
 * One read transaction, so that a study still being written by another
 * process is seen as one consistent snapshot.
 */
int
hv_store_load(struct hv_store *st, struct hv_study *s, struct hv_err *err)
{
	int rc;

	if (s->ncells || s->context.n)
		return hv_err_set(err, EINVAL, "%s: load needs an empty study",
				  st->path);
	rc = exec_sql(st, "BEGIN", "starting to read", err);
	if (rc < 0)
		return rc;
	rc = load_context(st, s, err);
	if (rc == 0)
		rc = load_cells(st, s, err);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc < 0) {
		hv_study_release(s);
		hv_study_init(s);
	}
	return rc;
}

int
hv_store_foreach_raw(struct hv_store *st, const struct hv_cell *c,
		     int (*fn)(const struct hv_sample *smp, void *arg),
		     void *arg, struct hv_err *err)
{
	struct hv_sample smp;
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, raw_sql, -1, &q, NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(st, rc, "reading samples", err);
		goto out;
	}
	sqlite3_bind_int64(q, 1, c->id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		smp.rep = sqlite3_column_int(q, 0);
		smp.seq = sqlite3_column_int(q, 1);
		smp.warmup = sqlite3_column_int(q, 2) != 0;
		smp.value = sqlite3_column_double(q, 3);
		smp.raw = (const char *)sqlite3_column_text(q, 4);
		smp.t_start_ns = sqlite3_column_int64(q, 5);
		smp.wall_ns = sqlite3_column_int64(q, 6);
		rc = fn(&smp, arg);
		if (rc != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(st, rc, "reading samples", err);
out:
	sqlite3_finalize(q);
	return rc;
}

int
hv_store_begin(struct hv_store *st, struct hv_err *err)
{
	if (!st->add_sample)
		return read_only(st, err);
	return exec_sql(st, "BEGIN IMMEDIATE", "starting a write", err);
}

int
hv_store_commit(struct hv_store *st, struct hv_err *err)
{
	return exec_sql(st, "COMMIT", "committing", err);
}

void
hv_store_rollback(struct hv_store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}
