/*
 * template_pads statements: the list shown before creating a pad and the
 * lookup pad.create {template} copies data from.
 */
#include "repo_template.h"

#include "db.h"

int
repo_template_list(PGconn *db, json_t **templates, struct pl_error *err)
{
	PGresult *r;

	r = db_exec(db,
	            "SELECT name, display_name "
	            "FROM template_pads "
	            "ORDER BY name",
	            0, NULL, err);
	if (r == NULL)
		return err->code;
	*templates = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(
		    *templates,
		    json_pack("{s:s, s:s}", "name", db_get(r, i, "name"),
		              "display_name", db_get(r, i, "display_name")));
	PQclear(r);
	return 0;
}

int
repo_template_get(PGconn *db, const char *name, json_t **tpl,
                  struct pl_error *err)
{
	const char *p[] = {name};
	PGresult *r;

	*tpl = NULL;
	r = db_exec(db,
	            "SELECT name, display_name, data::text AS data "
	            "FROM template_pads "
	            "WHERE name = $1",
	            1, p, err);
	if (r == NULL)
		return err->code;
	if (PQntuples(r) > 0)
		*tpl =
		    json_pack("{s:s, s:s, s:o}", "name", db_get(r, 0, "name"),
		              "display_name", db_get(r, 0, "display_name"),
		              "data", db_get_json(r, 0, "data"));
	PQclear(r);
	return 0;
}
