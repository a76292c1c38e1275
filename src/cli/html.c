/*
 * html.c - "hpcvirt report DIR --html FILE": the study, its figures drawn
 * by gnuplot's SVG terminal (one gnuplot process per figure, started with
 * an argv array, its script in a private temporary file), the 2008
 * scorecard, all in one self-contained HTML file written in place only
 * when complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hpcvirt/results/html.h"

#define SVG_MAX (16 * 1024 * 1024)
#define GNUPLOT_TIMEOUT_MS 30000

struct html_args {
	const struct hv_study *s;
	const struct hv_figset *fs;
	const struct hv_scorecard *sc;
	const struct hv_claims *c;
};

static int
write_html(FILE *f, const void *arg, struct hv_err *err)
{
	const struct html_args *a = arg;

	return hv_render_html(f, a->s, a->fs, a->sc, a->c, err);
}

/* Wait for pid at most ms; kill it when it takes longer. */
static int
wait_bounded(pid_t pid, int ms)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int st, waited;

	for (waited = 0; waited < ms; waited += 10) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		if (r < 0)
			return -1;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -ETIMEDOUT;
}

static int
write_all(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t w;

	while (len) {
		w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Run gnuplot on one figure's script; its SVG into the figure, or why
 * not into fig->why. */
static void
draw(struct hv_figure *fig, const char *gnuplot)
{
	char script[] = "/tmp/hpcvirt-plot.XXXXXX";
	char out[] = "/tmp/hpcvirt-svg.XXXXXX";
	char why[256] = "";
	struct hv_err err;
	int sfd, ofd, rc;
	char *svg = NULL;
	pid_t pid;

	sfd = mkostemp(script, O_CLOEXEC);
	ofd = mkostemp(out, O_CLOEXEC);
	if (sfd < 0 || ofd < 0 || write_all(sfd, fig->script) < 0) {
		snprintf(why, sizeof(why), "temporary file: %s",
			 strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)gnuplot, script, NULL};
		int null = open("/dev/null", O_RDWR);

		dup2(ofd, 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execvp(gnuplot, argv);
		_exit(127);
	}
	rc = pid < 0 ? -1 : wait_bounded(pid, GNUPLOT_TIMEOUT_MS);
	if (rc == 127 || rc < 0 || rc > 0) {
		snprintf(why, sizeof(why),
			 rc == 127 ? "cannot run '%s' (Debian: gnuplot-nox)"
			 : rc == -ETIMEDOUT ? "'%s' took over 30 s"
					    : "'%s' failed",
			 gnuplot);
		goto out;
	}
	svg = hv_cli_read_text(out, "gnuplot's SVG", SVG_MAX);
	hv_err_init(&err);
	if (!svg)
		snprintf(why, sizeof(why), "gnuplot wrote no readable SVG");
	else if (hv_figure_set_svg(fig, svg, &err) < 0)
		snprintf(why, sizeof(why), "%s", err.msg);
out:
	free(svg);
	if (sfd >= 0) {
		close(sfd);
		unlink(script);
	}
	if (ofd >= 0) {
		close(ofd);
		unlink(out);
	}
	if (why[0])
		fig->why = strdup(why);
}

/* The claims for the scorecard section; without them the report says
 * so rather than failing. */
static void
try_scorecard(const struct hv_study *s, const char *path, struct hv_claims *c,
	      struct hv_scorecard *sc, bool *have)
{
	char found[4200];
	struct hv_err err;
	char *text;

	*have = false;
	if (!path) {
		if (hv_cli_data_path("claims-2008.tsv", found, sizeof(found)) <
		    0) {
			fprintf(stderr, "hpcvirt: claims-2008.tsv not found: "
					"the report has no scorecard\n");
			return;
		}
		path = found;
	}
	text = hv_cli_read_text(path, "claims file", 1024 * 1024);
	hv_err_init(&err);
	if (text && hv_claims_parse(c, text, path, &err) == 0 &&
	    hv_scorecard_build(sc, s, c, &err) == 0)
		*have = true;
	else if (text)
		fprintf(stderr, "hpcvirt: %s: the report has no scorecard\n",
			err.msg);
	free(text);
}

int
hv_cli_html(const char *dir, const char *path, const char *claims)
{
	const char *gnuplot = getenv("HPCVIRT_GNUPLOT");
	struct hv_scorecard sc;
	struct hv_figset fs;
	struct hv_claims c;
	struct hv_study s;
	struct hv_err err;
	struct html_args a = {.s = &s, .fs = &fs, .sc = &sc, .c = &c};
	bool have_sc;
	size_t i, undrawn = 0;
	int ex, rc;

	if (!gnuplot || !*gnuplot)
		gnuplot = "gnuplot";
	hv_study_init(&s);
	hv_figset_init(&fs);
	hv_claims_init(&c);
	hv_scorecard_init(&sc);
	hv_err_init(&err);
	ex = hv_cli_load_study(dir, &s);
	if (ex != HV_EXIT_OK)
		goto out;
	if (hv_html_plan(&fs, &s, &err) < 0) {
		fprintf(stderr, "hpcvirt: %s\n", err.msg);
		ex = HV_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < fs.n; i++) {
		draw(&fs.v[i], gnuplot);
		if (!fs.v[i].svg) {
			fprintf(stderr, "hpcvirt: %s not drawn: %s\n",
				fs.v[i].id, fs.v[i].why ? fs.v[i].why : "?");
			undrawn++;
		}
	}
	try_scorecard(&s, claims, &c, &sc, &have_sc);
	if (!have_sc) {
		a.sc = NULL;
		a.c = NULL;
	}
	rc = hv_cli_write(path, "--html", write_html, &a);
	ex = rc ? rc : undrawn ? HV_EXIT_FAIL : HV_EXIT_OK;
out:
	hv_scorecard_release(&sc);
	hv_claims_release(&c);
	hv_figset_release(&fs);
	hv_study_release(&s);
	return ex;
}
