/* Unit tests for server/totp.c: RFC 6238's SHA-1 vectors (6 digits) and
 * the ±1 step window with the step it reports, base32 as authenticator
 * apps read it, sealing (round trip, a changed PADLINE_SECRET or a flipped
 * byte refuses to open), recovery codes and their hashes. */
#include <check.h>
#include <liboath/oath.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "totp.h"
#include "tsupport.h"

/* RFC 6238 appendix B's SHA-1 key: exactly TOTP_SECRET_BYTES long. */
static const unsigned char rfc_key[] = "12345678901234567890";

START_TEST(rfc6238_vectors)
{
	static const struct {
		time_t t;
		const char *code;
	} v[] = {{59, "287082"},         {1111111109, "081804"},
	         {1111111111, "050471"}, {1234567890, "005924"},
	         {2000000000, "279037"}, {20000000000, "353130"}};
	long long step = -1;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ck_assert_msg(totp_check(rfc_key, v[i].t, v[i].code, &step),
		              "vector %zu", i);
		ck_assert_int_eq(step, (long long)(v[i].t / 30));
	}
}
END_TEST

START_TEST(window_is_one_step_each_side)
{
	long long step = -1;

	/* 287082 belongs to step 1 (t = 30..59). */
	ck_assert(totp_check(rfc_key, 59 + 30, "287082", &step));
	ck_assert_int_eq(step, 1);
	ck_assert(totp_check(rfc_key, 0, "287082", &step));
	ck_assert_int_eq(step, 1);
	ck_assert(!totp_check(rfc_key, 59 + 60, "287082", &step));
	ck_assert(!totp_check(rfc_key, 59, "287083", &step));
	/* Only six digits are a code. */
	ck_assert(!totp_check(rfc_key, 59, "28708", &step));
	ck_assert(!totp_check(rfc_key, 59, "2870822", &step));
	ck_assert(!totp_check(rfc_key, 59, "28708a", &step));
	ck_assert(!totp_is_code(""));
	ck_assert(totp_is_code("000000"));
}
END_TEST

START_TEST(base32_matches_liboath_and_uri)
{
	unsigned char secret[TOTP_SECRET_BYTES];
	char b32[TOTP_BASE32_MAX], *raw = NULL, *uri;
	size_t len = 0;

	totp_secret_new(secret);
	totp_secret_base32(secret, b32);
	ck_assert_uint_eq(strlen(b32), 32);
	ck_assert_int_eq(oath_base32_decode(b32, strlen(b32), &raw, &len),
	                 OATH_OK);
	ck_assert_uint_eq(len, TOTP_SECRET_BYTES);
	ck_assert_int_eq(memcmp(raw, secret, len), 0);
	free(raw);
	uri = totp_uri("amy.b", b32);
	ck_assert_ptr_nonnull(strstr(uri, "otpauth://totp/padline:amy.b?"));
	ck_assert_ptr_nonnull(strstr(uri, b32));
	ck_assert_ptr_nonnull(strstr(uri, "digits=6"));
	ck_assert_ptr_nonnull(strstr(uri, "period=30"));
	free(uri);
}
END_TEST

START_TEST(sealing_round_trip_and_refusals)
{
	unsigned char secret[TOTP_SECRET_BYTES], back[TOTP_SECRET_BYTES];
	char sealed[TOTP_SEALED_HEX], again[TOTP_SEALED_HEX];
	struct pl_error err;

	pl_error_init(&err);
	totp_secret_new(secret);
	totp_seal("server-secret-0123456789", secret, sealed);
	ck_assert_uint_eq(strlen(sealed), TOTP_SEALED_HEX - 1);
	/* A fresh nonce each time. */
	totp_seal("server-secret-0123456789", secret, again);
	ck_assert_str_ne(sealed, again);
	ck_assert_int_eq(
	    totp_open("server-secret-0123456789", sealed, back, &err), 0);
	ck_assert_int_eq(memcmp(secret, back, sizeof back), 0);
	ck_assert_int_eq(
	    totp_open("another-secret-0123456789", sealed, back, &err), 500);
	pl_error_clear(&err);
	sealed[60] = sealed[60] == '0' ? '1' : '0';
	ck_assert_int_eq(
	    totp_open("server-secret-0123456789", sealed, back, &err), 500);
	pl_error_clear(&err);
	ck_assert_int_eq(
	    totp_open("server-secret-0123456789", "abc", back, &err), 500);
	pl_error_clear(&err);
}
END_TEST

START_TEST(recovery_codes_and_hashes)
{
	char a[RECOVERY_CODE_MAX], b[RECOVERY_CODE_MAX];
	char h1[RECOVERY_HASH_HEX], h2[RECOVERY_HASH_HEX];
	char h3[RECOVERY_HASH_HEX], h4[RECOVERY_HASH_HEX];

	recovery_code_new(a);
	recovery_code_new(b);
	ck_assert_uint_eq(strlen(a), 11);
	ck_assert_int_eq(a[5], '-');
	ck_assert_str_ne(a, b);
	recovery_code_hash("s3cret-0123456789", "u1", "abcde-fghij", h1);
	/* As typed: case, spaces and dashes do not matter. */
	recovery_code_hash("s3cret-0123456789", "u1", " ABCDE FGHIJ", h2);
	ck_assert_str_eq(h1, h2);
	/* Bound to the user and keyed by the server secret. */
	recovery_code_hash("s3cret-0123456789", "u2", "abcde-fghij", h3);
	recovery_code_hash("other-0123456789", "u1", "abcde-fghij", h4);
	ck_assert_str_ne(h1, h3);
	ck_assert_str_ne(h1, h4);
	ck_assert_ptr_null(strstr(h1, "abcde"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("totp");
	TCase *tc = tcase_create("totp");

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, rfc6238_vectors);
	tcase_add_test(tc, window_is_one_step_each_side);
	tcase_add_test(tc, base32_matches_liboath_and_uri);
	tcase_add_test(tc, sealing_round_trip_and_refusals);
	tcase_add_test(tc, recovery_codes_and_hashes);
	suite_add_tcase(s, tc);
	return ts_run(s);
}
