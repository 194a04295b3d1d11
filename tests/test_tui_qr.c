/* The Account screen's QR code (tui/qr.c) read back by a real decoder: the
 * text qr_render draws is turned back into modules exactly as a terminal
 * shows them, written as a PBM image and decoded with zbarimg; the result
 * must be the otpauth URI, in both the half-block and the ASCII drawing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qr.h"
#include "tsupport.h"
#include "xalloc.h"

#define URI                                                                    \
	"otpauth://totp/padline:carol?secret=4AURQJL3OL5T2IUO3RVGI6IQ7X65YSVN" \
	"&issuer=padline&algorithm=SHA1&digits=6&period=30"
#define SCALE 4 /* pixels per module: zbar wants more than one */

/* Writes bits as a P1 bitmap (1 = black) and returns zbarimg's output
 * (malloc'd, trailing newline removed; "" when nothing was decoded). */
static char *
decode_bits(const unsigned char *bits, int side)
{
	char path[] = "/tmp/padline-qr-XXXXXX.pbm", cmd[128], buf[1024];
	int fd = mkstemps(path, 4);
	FILE *f, *p;
	size_t n;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "P1\n%d %d\n", side * SCALE, side * SCALE);
	for (int y = 0; y < side * SCALE; y++) {
		for (int x = 0; x < side * SCALE; x++)
			fputs(bits[(y / SCALE) * side + x / SCALE] ? "1" : "0",
			      f);
		fputc('\n', f);
	}
	fclose(f);
	snprintf(cmd, sizeof cmd, "zbarimg --quiet --raw %s 2>/dev/null", path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(buf, 1, sizeof buf - 1, p);
	pclose(p);
	unlink(path);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return xstrdup(buf);
}

static char *
render_and_decode(const char *text, int utf8, int quiet, struct qr_text *t,
                  unsigned char **bits)
{
	struct pl_error e;

	pl_error_init(&e);
	ck_assert_int_eq(qr_render(text, utf8, quiet, t, &e), 0);
	*bits = xmalloc((size_t)t->modules * (size_t)t->modules);
	ck_assert_int_eq(qr_text_modules(t, utf8, t->modules, *bits), 0);
	return decode_bits(*bits, t->modules);
}

START_TEST(half_blocks_decode_to_the_uri)
{
	struct qr_text t;
	unsigned char *bits;
	char *got = render_and_decode(URI, 1, 2, &t, &bits);

	ck_assert_str_eq(got, URI);
	/* Two modules per line, every line as wide as the symbol. */
	ck_assert_int_eq((int)t.n, (t.modules + 1) / 2);
	ck_assert_int_eq(t.cols, t.modules);
	for (size_t i = 0; i < t.n; i++)
		ck_assert_msg(strspn(t.lines[i], " \xe2\x96\x80\x84\x88") ==
		                  strlen(t.lines[i]),
		              "line %zu holds something else: %s", i,
		              t.lines[i]);
	/* The quiet zone: the first line and the left columns are blank. */
	ck_assert_ptr_null(strstr(t.lines[0], "\xe2\x96\x88"));
	ck_assert_int_eq(t.lines[t.n / 2][0], ' ');
	free(got);
	free(bits);
	qr_text_free(&t);
}
END_TEST

START_TEST(ascii_decodes_to_the_uri)
{
	struct qr_text t;
	unsigned char *bits;
	char *got = render_and_decode(URI, 0, 2, &t, &bits);

	ck_assert_str_eq(got, URI);
	ck_assert_int_eq((int)t.n, t.modules);
	ck_assert_int_eq(t.cols, 2 * t.modules);
	free(got);
	free(bits);
	qr_text_free(&t);
}
END_TEST

/* The decoder is a real judge: a drawing with its modules shifted by one
 * line (the half-block pairing off by one) does not give the URI back. */
START_TEST(a_wrong_drawing_does_not_decode)
{
	struct qr_text t;
	unsigned char *bits, *shifted;
	char *got = render_and_decode(URI, 1, 2, &t, &bits), *bad;
	int side = t.modules;

	ck_assert_str_eq(got, URI);
	shifted = xcalloc((size_t)side * (size_t)side, 1);
	for (int y = 0; y < side; y++) {
		/* The last row of an odd side has no partner: it stays. */
		int from = (y / 2) % 2 || (y ^ 1) >= side ? y : y ^ 1;

		for (int x = 0; x < side; x++)
			shifted[y * side + x] = bits[from * side + x];
	}
	bad = decode_bits(shifted, side);
	ck_assert_str_ne(bad, URI);
	free(bad);
	free(shifted);
	free(got);
	free(bits);
	qr_text_free(&t);
}
END_TEST

START_TEST(text_that_does_not_fit_is_an_error)
{
	struct qr_text t;
	struct pl_error e;
	size_t n = 8000;
	char *big = xmalloc(n + 1);

	memset(big, 'x', n);
	big[n] = '\0';
	pl_error_init(&e);
	ck_assert_int_eq(qr_render(big, 1, 2, &t, &e), PL_ERR_VALIDATION);
	ck_assert_int_eq((int)t.n, 0);
	free(big);
}
END_TEST

START_TEST(garbage_text_is_not_modules)
{
	char *lines[1] = {"#x"};
	struct qr_text t = {.lines = lines, .n = 1, .cols = 2, .modules = 1};
	unsigned char bit;

	ck_assert_int_eq(qr_text_modules(&t, 0, 1, &bit), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tui_qr");
	TCase *tc = tcase_create("qr");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, half_blocks_decode_to_the_uri);
	tcase_add_test(tc, ascii_decodes_to_the_uri);
	tcase_add_test(tc, a_wrong_drawing_does_not_decode);
	tcase_add_test(tc, text_that_does_not_fit_is_an_error);
	tcase_add_test(tc, garbage_text_is_not_modules);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
