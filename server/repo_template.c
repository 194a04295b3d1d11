/*
 * template_pads statements: the list shown before creating a pad, the
 * lookup pad.create {template} copies data from, and the startup upsert of
 * templates/ files (templates.c).
 */
#include "repo_template.h"

#include <stdlib.h>

#include "db.h"

int
repo_template_list(struct db_conn *db, json_t **templates, struct pl_error *err)
{
	PGresult *r;

	r = db_query_result(db,
	                    "SELECT name, display_name "
	                    "FROM @template_pads "
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
repo_template_get(struct db_conn *db, const char *name, json_t **tpl,
                  struct pl_error *err)
{
	const char *p[] = {name};
	PGresult *r;

	*tpl = NULL;
	r = db_query_result(db,
	                    "SELECT name, display_name, data::text AS data "
	                    "FROM @template_pads "
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

int
repo_template_upsert(struct db_conn *db, const char *name,
                     const char *display_name, json_t *data,
                     struct pl_error *err)
{
	char *text = json_dumps(data, JSON_COMPACT);
	const char *params[] = {name, display_name, text};
	int rc;

	rc = db_query_run(
	    db,
	    "INSERT INTO @template_pads (name, display_name, data) "
	    "VALUES ($1, $2, $3::jsonb) ON CONFLICT (name) DO UPDATE "
	    "SET display_name = EXCLUDED.display_name, "
	    "data = EXCLUDED.data, updated_at = now() "
	    "WHERE template_pads.display_name IS DISTINCT FROM "
	    "EXCLUDED.display_name OR template_pads.data IS DISTINCT "
	    "FROM EXCLUDED.data",
	    3, params, err);
	free(text);
	return rc;
}
