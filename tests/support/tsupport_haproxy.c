/*
 * Test support: HAProxy running the shipped dist/haproxy.cfg (the one
 * docs/operations.md shows) with only its addresses changed: the frontend
 * on a free loopback port, each server line on a test's padlined. A
 * global section adds the stats socket tests ask about server states.
 */
#include "tsupport.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsupport_int.h"

int
ts_haproxy_write_config(const char *path, const char *sock, int lb_port,
                        const int *ports, int n)
{
	char src_path[600], line[1024];
	const char *src = getenv("PADLINE_SOURCE_DIR");
	FILE *in, *out;
	int servers = 0, binds = 0;

	snprintf(src_path, sizeof src_path, "%s/dist/haproxy.cfg",
	         src ? src : ".");
	if ((in = fopen(src_path, "r")) == NULL)
		return -1;
	if ((out = fopen(path, "w")) == NULL) {
		fclose(in);
		return -1;
	}
	fprintf(out,
	        "global\n"
	        "    maxconn 2000\n"
	        "    stats socket %s level admin\n",
	        sock);
	while (fgets(line, sizeof line, in) != NULL) {
		char name[64], addr[128], rest[512] = "";
		int k;

		if (sscanf(line, " server %63s %127s %511[^\n]", name, addr,
		           rest) >= 2) {
			if (servers < n)
				fprintf(out, "    server %s 127.0.0.1:%d %s\n",
				        name, ports[servers], rest);
			servers++;
		} else if (sscanf(line, " bind %127s%n", addr, &k) == 1) {
			fprintf(out, "    bind 127.0.0.1:%d\n", lb_port);
			binds++;
		} else
			fputs(line, out);
	}
	fclose(in);
	fclose(out);
	if (n > 0 && servers >= n && binds == 1)
		return 0;
	fprintf(stderr,
	        "dist/haproxy.cfg: want %d server lines or more and one "
	        "bind line\n",
	        n);
	return -1;
}

int
ts_haproxy_start(struct ts_haproxy *h, const int *ports, int n)
{
	char cfg[600];

	memset(h, 0, sizeof *h);
	snprintf(h->dir, sizeof h->dir, "/tmp/pl-haproxy-XXXXXX");
	if (mkdtemp(h->dir) == NULL)
		return -1;
	snprintf(h->sock, sizeof h->sock, "%s/stats.sock", h->dir);
	snprintf(h->log_path, sizeof h->log_path, "%s/haproxy.log", h->dir);
	snprintf(cfg, sizeof cfg, "%s/haproxy.cfg", h->dir);
	/* The free port may be taken before HAProxy binds it (outgoing
	 * connections draw from the same range): then it exits, and is
	 * started again on another. */
	for (int attempt = 0; attempt < 5; attempt++) {
		long long deadline = ts_now_ms() + TS_PATIENCE_MS;
		int status;

		h->port = ts_free_port();
		if (ts_haproxy_write_config(cfg, h->sock, h->port, ports, n) !=
		    0)
			return -1;
		h->pid = fork();
		if (h->pid < 0)
			return -1;
		if (h->pid == 0) {
			/* Async-signal-safe calls only: the suite's other
			 * threads may have held stdio's locks at the fork. */
			int fd = open(h->log_path,
			              O_WRONLY | O_CREAT | O_APPEND, 0600);

			if (fd >= 0) {
				dup2(fd, 2);
				dup2(fd, 1);
				close(fd);
			}
			/* A failed check must not leave HAProxy behind. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execlp("haproxy", "haproxy", "-db", "-f", cfg,
			       (char *)NULL);
			_exit(127);
		}
		while (ts_now_ms() < deadline) {
			struct ts_client *c;

			if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
				h->pid = 0;
				break;
			}
			if ((c = ts_client_connect(h->port)) != NULL) {
				ts_client_free(c);
				return 0;
			}
			usleep(20000);
		}
		if (h->pid != 0) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, NULL, 0);
			h->pid = 0;
		}
	}
	fprintf(stderr, "haproxy never listened (is it installed?)\n");
	return -1;
}

void
ts_haproxy_stop(struct ts_haproxy *h)
{
	char path[600];

	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
	snprintf(path, sizeof path, "%s/haproxy.cfg", h->dir);
	unlink(path);
	unlink(h->log_path);
	unlink(h->sock);
	rmdir(h->dir);
}

char *
ts_haproxy_command(const struct ts_haproxy *h, const char *command)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t n;

	snprintf(a.sun_path, sizeof a.sun_path, "%s", h->sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    write(fd, command, strlen(command)) < 0 || write(fd, "\n", 1) < 0) {
		if (fd >= 0)
			close(fd);
		free(out);
		return NULL;
	}
	while ((n = read(fd, out + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 1024)
			out = realloc(out, cap *= 2);
	}
	close(fd);
	out[len] = '\0';
	return out;
}

int
ts_haproxy_wait_served(const struct ts_haproxy *h, const char *src)
{
	long long deadline = ts_now_ms() + 2 * TS_PATIENCE_MS;

	while (ts_now_ms() < deadline) {
		struct ts_client *c = ts_client_connect_from(src, h->port);
		json_t *r = c ? ts_call(c, "server.health", NULL) : NULL;
		int up = r != NULL && ts_result(r) != NULL;
		int status;

		json_decref(r);
		ts_client_free(c);
		if (up)
			return 0;
		if (waitpid(h->pid, &status, WNOHANG) == h->pid)
			break;
		usleep(50000);
	}
	fprintf(stderr, "HAProxy never answered server.health: see %s\n",
	        h->log_path);
	return -1;
}

int
ts_haproxy_servers(const struct ts_haproxy *h, struct ts_haproxy_server *out,
                   int max)
{
	char *stat = ts_haproxy_command(h, "show stat");
	char *save = NULL;
	int n = 0;

	if (stat == NULL)
		return -1;
	for (char *l = strtok_r(stat, "\n", &save); l != NULL && n < max;
	     l = strtok_r(NULL, "\n", &save)) {
		char *f[32], *p = l;
		int nf = 0;

		/* pxname,svname,...: status is field 18, chkdown 23. */
		for (char *t = strsep(&p, ","); t != NULL && nf < 32;
		     t = strsep(&p, ","))
			f[nf++] = t;
		if (nf < 23 || strcmp(f[0], "padlined") != 0 ||
		    strcmp(f[1], "FRONTEND") == 0 ||
		    strcmp(f[1], "BACKEND") == 0)
			continue;
		snprintf(out[n].name, sizeof out[n].name, "%s", f[1]);
		snprintf(out[n].status, sizeof out[n].status, "%s", f[17]);
		out[n].went_down = atoi(f[22]);
		n++;
	}
	free(stat);
	return n;
}

int
ts_haproxy_wait_status(const struct ts_haproxy *h, int i, const char *status)
{
	long long deadline = ts_now_ms() + 2 * TS_PATIENCE_MS;
	struct ts_haproxy_server sv[16];

	while (ts_now_ms() < deadline) {
		if (ts_haproxy_servers(h, sv, 16) > i &&
		    strcmp(sv[i].status, status) == 0)
			return 0;
		usleep(50000);
	}
	fprintf(stderr, "HAProxy never had server %d %s: see %s\n", i, status,
	        h->log_path);
	return -1;
}

int
ts_haproxy_wait_up(const struct ts_haproxy *h, int i)
{
	return ts_haproxy_wait_status(h, i, "UP");
}
