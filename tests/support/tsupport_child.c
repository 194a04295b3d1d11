/*
 * The argv and environment of a padlined child (ts_server_start,
 * ts_padlined_run), made before the fork; the child only execs them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsupport_int.h"
#include "xalloc.h"

extern char **environ;

/* Appends kv ("NAME=value", taken) to x->envp. */
static void
env_append_take(struct child_exec *x, char *kv)
{
	x->envp = xrealloc(x->envp, (x->nenv + 2) * sizeof *x->envp);
	x->envp[x->nenv++] = kv;
	x->envp[x->nenv] = NULL;
}

/* Sets name=value in x->envp; replace 0 keeps an existing value. */
static void
env_put(struct child_exec *x, const char *name, const char *value, int replace)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < x->nenv; i++)
		if (strncmp(x->envp[i], name, len) == 0 &&
		    x->envp[i][len] == '=') {
			if (!replace)
				return;
			free(x->envp[i]);
			x->envp[i] = xasprintf("%s=%s", name, value);
			return;
		}
	env_append_take(x, xasprintf("%s=%s", name, value));
}

static const char *
padlined_bin(void)
{
	const char *b = getenv("PADLINE_BIN");

	return b ? b : "padlined";
}

/* The child's environment is ours, plus the schema, secret and fast
 * argon2 limits unless the suite set them, then extra_env overriding. */
void
child_exec_init(struct child_exec *x, const char *schema, int port,
                const char *const *extra_env, const char *const *args,
                const char *first)
{
	const char *host = getenv("PADLINE_TEST_LISTEN_HOST");
	char buf[64];
	size_t n = 0;

	memset(x, 0, sizeof *x);
	x->envp = xcalloc(1, sizeof *x->envp);
	for (char **e = environ; *e; e++)
		env_append_take(x, xstrdup(*e));
	env_put(x, "PADLINE_SCHEMA", schema, 1);
	if (port > 0) {
		snprintf(buf, sizeof buf, "%s:%d", host ? host : "127.0.0.1",
		         port);
		env_put(x, "PADLINE_LISTEN", buf, 1);
	}
	env_put(x, "PADLINE_SECRET", TS_SECRET, 0);
	env_put(x, "PADLINE_PWHASH_OPSLIMIT", "1", 0);
	env_put(x, "PADLINE_PWHASH_MEMLIMIT", "8388608", 0);
	env_put(x, "PADLINE_LOG", "debug", 0);
	/* padlined through a pooler while the suite checks PostgreSQL
	 * directly (pgbouncer_test). */
	if (getenv("PADLINE_TEST_SERVER_DATABASE_URL") != NULL)
		env_put(x, "DATABASE_URL",
		        getenv("PADLINE_TEST_SERVER_DATABASE_URL"), 1);
	for (size_t i = 0; extra_env && extra_env[i]; i++) {
		char *kv = xstrdup(extra_env[i]), *eq = strchr(kv, '=');

		if (eq) {
			*eq = '\0';
			env_put(x, kv, eq + 1, 1);
		}
		free(kv);
	}

	/* PADLINE_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") runs
	 * padlined under a tool: words split on spaces, no quoting. */
	x->argv = xcalloc(64, sizeof *x->argv);
	x->wrap = getenv("PADLINE_WRAPPER") ? xstrdup(getenv("PADLINE_WRAPPER"))
	                                    : NULL;
	for (char *w = x->wrap ? strtok(x->wrap, " ") : NULL; w && n < 40;
	     w = strtok(NULL, " "))
		x->argv[n++] = w;
	x->argv[n++] = (char *)padlined_bin();
	if (first)
		x->argv[n++] = (char *)first;
	for (size_t i = 0; args && args[i] && n < 63; i++)
		x->argv[n++] = (char *)args[i];
	x->argv[n] = NULL;
}

void
child_exec_free(struct child_exec *x)
{
	for (size_t i = 0; i < x->nenv; i++)
		free(x->envp[i]);
	free(x->envp);
	free(x->argv);
	free(x->wrap);
}

/* In the child: only async-signal-safe calls from here on. */
void
child_exec_run(const struct child_exec *x)
{
	static const char msg[] = "exec padlined failed\n";

	execvpe(x->argv[0], x->argv, x->envp);
	if (write(2, msg, sizeof msg - 1) < 0)
		_exit(127);
	_exit(127);
}
