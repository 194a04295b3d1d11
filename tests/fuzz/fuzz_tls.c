/* libFuzzer target: the TLS record path padlined runs on every byte a
 * client sends (common/tls_pipe, server side). Whatever arrives, in whatever
 * chunks, the engine fails cleanly or produces plaintext; never a crash, a
 * leak or an overrun. The first byte picks the chunk size. The certificate
 * is a throwaway made for this target (CN=padline-fuzz), nothing else. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tls_pipe.h"

static const char cert_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBhTCCASugAwIBAgIUUoJk54OdfLsqPwLZpSkhAsONMwAwCgYIKoZIzj0EAwIw\n"
    "FzEVMBMGA1UEAwwMcGFkbGluZS1mdXp6MCAXDTI2MTEyNzA0NDIzN1oYDzIxMjYx\n"
    "MTAzMDQ0MjM3WjAXMRUwEwYDVQQDDAxwYWRsaW5lLWZ1enowWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAAREQiCfHVnnTY7UN/nRMxQIfMk+CrPSfWCZnM/msYUhQWMC\n"
    "KZPQPoT/nYVwj3vGUKHaqpP6oUCzKcaMcxKHjt0bo1MwUTAdBgNVHQ4EFgQUKsq3\n"
    "AIK9si87x8SsGV/4KMYhJwMwHwYDVR0jBBgwFoAUKsq3AIK9si87x8SsGV/4KMYh\n"
    "JwMwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAmMnhCOdwuoE5\n"
    "H5LlfdBsbSRa510hnlRD+gBYE223twwCIA3EuLNIMV5zsnVeIgUYIFqcUAg9+Rw+\n"
    "zC5llNXE+u/u\n"
    "-----END CERTIFICATE-----\n";
static const char key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLb8jM99o80HgSi9n\n"
    "yqTVb3+ZYi6ALoxLaz7mWqMhoMihRANCAAREQiCfHVnnTY7UN/nRMxQIfMk+CrPS\n"
    "fWCZnM/msYUhQWMCKZPQPoT/nYVwj3vGUKHaqpP6oUCzKcaMcxKHjt0b\n"
    "-----END PRIVATE KEY-----\n";

static SSL_CTX *ctx;

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0)
		abort();
	fclose(f);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char cert[64], key[64];
	struct pl_error err;

	(void)argc;
	(void)argv;
	snprintf(cert, sizeof cert, "/tmp/padline-fuzz-%d.crt", (int)getpid());
	snprintf(key, sizeof key, "/tmp/padline-fuzz-%d.key", (int)getpid());
	write_file(cert, cert_pem);
	write_file(key, key_pem);
	pl_error_init(&err);
	ctx = tls_ctx_server_new(cert, key, &err);
	unlink(cert);
	unlink(key);
	if (ctx == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_pipe *p = tls_pipe_new(ctx, 1);
	struct pl_error err;
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1, off = 0, n;
	char *plain = NULL, *out;
	size_t plain_len = 0;
	int closed;

	pl_error_init(&err);
	while (off < size) {
		size_t k = size - off < chunk ? size - off : chunk;

		if (tls_pipe_feed(p, data + off, k, &plain, &plain_len, &closed,
		                  &err) != 0)
			break;
		off += k;
		free(tls_pipe_take_output(p, &n));
	}
	if (plain_len > size)
		abort(); /* plaintext cannot outgrow what came in */
	tls_pipe_write(p, "x\n", 2, &err);
	out = tls_pipe_take_output(p, &n);
	free(out);
	free(plain);
	tls_pipe_free(p);
	return 0;
}
