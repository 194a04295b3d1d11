/*
 * The registration form: the live checklist comes from server.hello's
 * password_policy, each rule checked with the same password_check() the
 * server runs; server errors land next to the field they are about.
 */
#include <stdio.h>
#include <string.h>

#include "models.h"

void
pw_checklist_init(struct pw_checklist *c)
{
	c->nrules = 0;
	for (int i = 0; i < PW_RULE_COUNT && i < 16; i++) {
		struct reg_rule *r = &c->rules[c->nrules++];

		snprintf(r->id, sizeof r->id, "%s", password_rule_id(i));
		snprintf(r->message, sizeof r->message, "%s",
		         password_rule_message(i));
		r->known = 1;
		r->rule = (enum password_rule)i;
	}
}

void
pw_checklist_set_hello(struct pw_checklist *c, json_t *hello)
{
	json_t *rules =
	    json_object_get(json_object_get(hello, "password_policy"), "rules");
	size_t i;
	json_t *r;

	if (!json_is_array(rules) || json_array_size(rules) == 0)
		return;
	c->nrules = 0;
	json_array_foreach (rules, i, r) {
		const char *id = json_string_value(json_object_get(r, "id"));
		const char *msg =
		    json_string_value(json_object_get(r, "message"));
		struct reg_rule *rr;

		if (!id || c->nrules >= 16)
			continue;
		rr = &c->rules[c->nrules++];
		snprintf(rr->id, sizeof rr->id, "%s", id);
		snprintf(rr->message, sizeof rr->message, "%s", msg ? msg : id);
		rr->known = 0;
		for (int k = 0; k < PW_RULE_COUNT; k++)
			if (strcmp(id, password_rule_id(k)) == 0) {
				rr->known = 1;
				rr->rule = (enum password_rule)k;
			}
	}
}

int
pw_checklist_ok(const struct pw_checklist *c, int i, const char *password)
{
	if (i < 0 || i >= c->nrules || !c->rules[i].known)
		return -1;
	return !(password_check(password) & (1u << c->rules[i].rule));
}

void
reg_model_init(struct reg_model *m)
{
	memset(m, 0, sizeof *m);
	pw_checklist_init(&m->policy);
}

void
reg_model_set_hello(struct reg_model *m, json_t *hello)
{
	const char *mode =
	    json_string_value(json_object_get(hello, "registration"));

	m->invite = mode && strcmp(mode, "invite") == 0;
	m->closed = mode && strcmp(mode, "closed") == 0;
	pw_checklist_set_hello(&m->policy, hello);
}

int
reg_rule_ok(const struct reg_model *m, int i)
{
	return pw_checklist_ok(&m->policy, i, m->field[REG_PASSWORD]);
}

const char *
reg_username_feedback(const struct reg_model *m)
{
	static char msg[256];
	char out[USERNAME_MAX + 64];
	struct pl_error e;
	const char *rv = NULL;

	pl_error_init(&e);
	if (username_normalize(m->field[REG_USERNAME], out, sizeof out, &e)) {
		json_t *v = json_array_get(e.violations, 0);
		const char *t =
		    json_string_value(json_object_get(v, "message"));

		snprintf(msg, sizeof msg, "%s", t ? t : e.message);
		rv = msg;
	}
	pl_error_clear(&e);
	return rv;
}

int
reg_confirm_ok(const struct reg_model *m)
{
	return m->field[REG_CONFIRM][0] &&
	       strcmp(m->field[REG_PASSWORD], m->field[REG_CONFIRM]) == 0;
}

void
reg_model_clear_errors(struct reg_model *m)
{
	memset(m->err, 0, sizeof m->err);
	m->general[0] = '\0';
}

int
reg_model_check(struct reg_model *m)
{
	const char *u = reg_username_feedback(m);
	struct pl_error e;
	int bad = 0;

	reg_model_clear_errors(m);
	if (u) {
		snprintf(m->err[REG_USERNAME], sizeof m->err[0], "%s", u);
		bad = 1;
	}
	pl_error_init(&e);
	if (email_validate(m->field[REG_EMAIL], &e)) {
		snprintf(m->err[REG_EMAIL], sizeof m->err[0], "%s",
		         "not a valid email address");
		bad = 1;
	}
	pl_error_clear(&e);
	if (password_check(m->field[REG_PASSWORD])) {
		snprintf(m->err[REG_PASSWORD], sizeof m->err[0], "%s",
		         "does not meet every rule below");
		bad = 1;
	}
	if (!reg_confirm_ok(m)) {
		snprintf(m->err[REG_CONFIRM], sizeof m->err[0], "%s",
		         "passwords do not match");
		bad = 1;
	}
	if (m->invite && !m->field[REG_INVITATION][0]) {
		snprintf(m->err[REG_INVITATION], sizeof m->err[0], "%s",
		         "an invitation code is required");
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int
reg_field_of(const char *name)
{
	static const char *const names[REG_NFIELDS] = {
	    "username", "email", "password", "password_confirm", "invitation"};

	for (int i = 0; name && i < REG_NFIELDS; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

static void
reg_add_err(struct reg_model *m, int f, const char *msg)
{
	size_t n = strlen(m->err[f]);

	if (n)
		snprintf(m->err[f] + n, sizeof m->err[f] - n, "; %s", msg);
	else
		snprintf(m->err[f], sizeof m->err[f], "%s", msg);
}

void
reg_model_apply_error(struct reg_model *m, const struct pl_error *e)
{
	size_t i;
	json_t *v;

	reg_model_clear_errors(m);
	if (e->code == PL_ERR_CONFLICT &&
	    strcmp(e->reason, "username_taken") == 0) {
		reg_add_err(m, REG_USERNAME, "this username is already taken");
		return;
	}
	if (strstr(e->reason, "invitation")) {
		reg_add_err(m, REG_INVITATION, e->message);
		return;
	}
	json_array_foreach (e->violations, i, v) {
		int f = reg_field_of(
		    json_string_value(json_object_get(v, "field")));
		const char *msg =
		    json_string_value(json_object_get(v, "message"));

		if (f < 0)
			snprintf(m->general, sizeof m->general, "%s",
			         msg ? msg : e->message);
		else
			reg_add_err(m, f, msg ? msg : "invalid");
	}
	if (json_array_size(e->violations) == 0)
		snprintf(m->general, sizeof m->general, "%s", e->message);
}

json_t *
reg_model_params(const struct reg_model *m, const char *form_token)
{
	json_t *p = json_pack("{s:s, s:s, s:s}", "form_token",
	                      form_token ? form_token : "", "username",
	                      m->field[REG_USERNAME], "password",
	                      m->field[REG_PASSWORD]);

	if (m->field[REG_EMAIL][0])
		json_object_set_new(p, "email",
		                    json_string(m->field[REG_EMAIL]));
	if (m->field[REG_INVITATION][0])
		json_object_set_new(p, "invitation",
		                    json_string(m->field[REG_INVITATION]));
	return p;
}

int
reg_focus_order(const struct reg_model *m, int *order)
{
	int n = 0;

	order[n++] = REG_USERNAME;
	order[n++] = REG_EMAIL;
	order[n++] = REG_PASSWORD;
	order[n++] = REG_CONFIRM;
	if (m->invite)
		order[n++] = REG_INVITATION;
	order[n++] = REG_FOCUS_CREATE;
	order[n++] = REG_FOCUS_BACK;
	return n;
}
