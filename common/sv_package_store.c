/* Writes a package as a task through an sv_sql session, in one transaction: the task row (a new
 * one, or the task with the same package uuid, else the same slug), its bytes into blobs once by
 * SHA-256, then its groups, tests, validator files, assets and package submissions in place of the
 * old ones. */
#include "sv_package_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

typedef struct {
	const sv_sql *db;
	char *err;
	size_t errlen;
} store;

static int exec(store *s, const char *sql, int n, const char *const *v, void (*row)(void *, int, const char *const *),
		void *rb)
{
	return s->db->exec(s->db->baton, sql, n, v, NULL, NULL, row, rb, s->err, s->errlen);
}

/* The first column of the last row, as text ("" for NULL). */
typedef struct {
	char v[128];
	int rows;
} first_col;

static void take_first(void *baton, int ncols, const char *const *cols)
{
	first_col *f = baton;

	snprintf(f->v, sizeof(f->v), "%s", ncols > 0 && cols[0] ? cols[0] : "");
	f->rows++;
}

/* The first column of the last row, malloc'd (any length). */
static void take_copy(void *baton, int ncols, const char *const *cols)
{
	char **out = baton;

	free(*out);
	*out = pkg_strdup(ncols > 0 && cols[0] ? cols[0] : "");
}

static int exec_one(store *s, const char *sql, int n, const char *const *v, first_col *out)
{
	memset(out, 0, sizeof(*out));
	return exec(s, sql, n, v, take_first, out);
}

static void sha256_hex(const pkg_file *f, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!EVP_Digest(f->data, f->len, md, &len, EVP_sha256(), NULL))
		abort();
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- Blobs ------------------------------------------------------------------------------------------ */

typedef struct {
	const pkg_file *file;
	char hash[65];
	int stored;
} blob;

typedef struct {
	PKG_VEC(blob, blobs);
} blob_set;

/* The hash of f, added to the set when new. */
static const char *blob_of(blob_set *set, const pkg_file *f)
{
	blob *b;

	for (size_t i = 0; i < set->blobs_count; i++)
		if (set->blobs[i].file == f)
			return set->blobs[i].hash;
	b = PKG_PUSH(set, blobs);
	b->file = f;
	sha256_hex(f, b->hash);
	for (size_t i = 0; i + 1 < set->blobs_count; i++)
		if (!strcmp(set->blobs[i].hash, b->hash))
			b->stored = 1; /* the same bytes in another file: sent once */
	return b->hash;
}

static void mark_stored(void *baton, int ncols, const char *const *cols)
{
	blob_set *set = baton;

	for (size_t i = 0; ncols > 0 && cols[0] && i < set->blobs_count; i++)
		if (!strcmp(set->blobs[i].hash, cols[0]))
			set->blobs[i].stored = 1;
}

/* "{a,b,c}" of the hashes (a text[] literal; hashes need no quoting). */
static char *hash_array(const blob_set *set)
{
	char *out = pkg_alloc(set->blobs_count * 65 + 3), *p = out;

	*p++ = '{';
	for (size_t i = 0; i < set->blobs_count; i++)
		p += sprintf(p, "%s%s", i ? "," : "", set->blobs[i].hash);
	strcpy(p, "}");
	return out;
}

static int store_blobs(store *s, blob_set *set)
{
	char *all = hash_array(set);
	const char *v[1] = {all};
	int rc = exec(s, "SELECT sha256 FROM blobs WHERE sha256 = ANY ($1::text[])", 1, v, mark_stored, set);

	free(all);
	for (size_t i = 0; rc == 0 && i < set->blobs_count; i++) {
		blob *b = &set->blobs[i];
		const char *val[1] = {(const char *)b->file->data};
		size_t len[1] = {b->file->len};
		int bin[1] = {1};
		first_col got;

		if (b->stored)
			continue;
		memset(&got, 0, sizeof(got));
		rc = s->db->exec(s->db->baton, "SELECT solveit_put_blob($1::bytea)", 1, val, len, bin, take_first, &got,
				 s->err, s->errlen);
		if (rc == 0 && strcmp(got.v, b->hash))
			rc = pkg_fail(s->err, s->errlen, "the database stored %s under another hash", b->file->path);
		b->stored = 1;
	}
	return rc;
}

/* ---- The task row --------------------------------------------------------------------------------- */

#define NUM(buf, fmt, value) (snprintf(buf, sizeof(buf), fmt, value), buf)

static const char TASK_COLUMNS[] =
    "slug, title, statement_md, time_limit_ms, memory_limit_kb, checker, case_sensitive, float_abs_tol,"
    " float_rel_tol, type, space_change_sensitive, validator_flags, validator_language_id, validator_source,"
    " validator_file_name, output_limit_kb, compile_time_limit_ms, compile_memory_limit_kb, time_limit_source,"
    " time_multiplier, time_safety_margin, package_uuid, package_format";
static const char TASK_VALUES[] =
    "$1, $2, $3, $4::integer, coalesce($5::integer, 262144), $6, $7::boolean, $8::double precision,"
    " $9::double precision, $10, $11::boolean, $12, $13::integer, $14, $15, $16::integer, $17::integer,"
    " $18::integer, $19, $20::double precision, $21::double precision, $22, $23";

static int write_task(store *s, const sv_package *pkg, const char *task_id, first_col *id)
{
	char tl[16], mem[16], abs[32], rel[32], vl[16], out[16], ct[16], cm[16], mult[32], margin[32];
	const char *v[24] = {
	    pkg->slug,
	    pkg->title,
	    pkg->statement_md,
	    NUM(tl, "%d", pkg->time_limit_ms ? pkg->time_limit_ms : PKG_PROVISIONAL_TIME_LIMIT_MS),
	    pkg->memory_limit_kb ? NUM(mem, "%d", pkg->memory_limit_kb) : NULL,
	    pkg->checker,
	    pkg->case_sensitive ? "true" : "false",
	    pkg->has_abs_tol ? NUM(abs, "%.17g", pkg->abs_tol) : NULL,
	    pkg->has_rel_tol ? NUM(rel, "%.17g", pkg->rel_tol) : NULL,
	    pkg->scoring ? "scoring" : "pass-fail",
	    pkg->space_change_sensitive ? "true" : "false",
	    pkg->validator_flags,
	    pkg->validator_source ? NUM(vl, "%d", pkg->validator_language_id) : NULL,
	    pkg->validator_source ? pkg_text(pkg->validator_source) : NULL,
	    pkg->validator_file_name,
	    pkg->output_limit_kb ? NUM(out, "%d", pkg->output_limit_kb) : NULL,
	    pkg->compile_time_limit_ms ? NUM(ct, "%d", pkg->compile_time_limit_ms) : NULL,
	    pkg->compile_memory_limit_kb ? NUM(cm, "%d", pkg->compile_memory_limit_kb) : NULL,
	    pkg->time_limit_ms ? "fixed" : "pending",
	    NUM(mult, "%.17g", pkg->time_multiplier),
	    NUM(margin, "%.17g", pkg->time_safety_margin),
	    pkg->uuid,
	    pkg->format,
	    task_id,
	};
	char *sql;
	int rc;

	if (task_id)
		sql = pkg_printf("UPDATE tasks SET (%s) = (%s) WHERE id = $24::bigint RETURNING id", TASK_COLUMNS,
				 TASK_VALUES);
	else
		/* A new task starts closed: staff open it once its self-check (solveit-admin verify) agrees.
		 * A re-import keeps whatever the task's state is. */
		sql = pkg_printf("INSERT INTO tasks (%s, is_open) VALUES (%s, false) RETURNING id", TASK_COLUMNS,
				 TASK_VALUES);
	rc = exec_one(s, sql, task_id ? 24 : 23, v, id);
	free(sql);
	return rc;
}

/* The task this package updates: ""(none) or its id in found. */
static int find_task(store *s, const sv_package *pkg, first_col *found)
{
	const char *v[1];
	first_col owner;

	memset(found, 0, sizeof(*found));
	if (pkg->uuid) {
		v[0] = pkg->uuid;
		if (exec_one(s, "SELECT id FROM tasks WHERE package_uuid = $1 FOR UPDATE", 1, v, found) < 0)
			return -1;
		if (found->rows)
			return 0;
	}
	v[0] = pkg->slug;
	if (exec_one(s, "SELECT id FROM tasks WHERE slug = $1 FOR UPDATE", 1, v, found) < 0 ||
	    exec_one(s, "SELECT coalesce(package_uuid, '') FROM tasks WHERE slug = $1", 1, v, &owner) < 0)
		return -1;
	if (found->rows && pkg->uuid && owner.v[0])
		return pkg_fail(s->err, s->errlen,
				"task %s belongs to another package (uuid %s): give this one another slug (--slug)",
				pkg->slug, owner.v);
	return 0;
}

/* ---- The task's parts -------------------------------------------------------------------------------- */

static int clear_task(store *s, const char *id, char **old_hashes)
{
	/* Tests stay until the new ones replace them by order (write_tests), so that bytes the new
	 * tests share with the old are not dropped and sent again. */
	static const char *const deletes[] = {
	    "DELETE FROM test_groups WHERE task_id = $1::bigint",
	    "DELETE FROM task_validator_files WHERE task_id = $1::bigint",
	    "DELETE FROM task_assets WHERE task_id = $1::bigint",
	    "DELETE FROM task_package_submissions WHERE task_id = $1::bigint",
	};
	const char *v[1] = {id};

	if (exec(s,
		 "SELECT coalesce(array_agg(sha256)::text, '{}') FROM (SELECT sha256 FROM task_validator_files"
		 " WHERE task_id = $1::bigint UNION SELECT sha256 FROM task_assets WHERE task_id = $1::bigint"
		 " UNION SELECT input_sha256 FROM tests WHERE task_id = $1::bigint"
		 " UNION SELECT answer_sha256 FROM tests WHERE task_id = $1::bigint) h",
		 1, v, take_copy, old_hashes) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++)
		if (exec(s, deletes[i], 1, v, NULL, NULL) < 0)
			return -1;
	return 0;
}

static int write_groups(store *s, const sv_package *pkg, const char *task, char (*ids)[128])
{
	for (size_t i = 0; i < pkg->groups_count; i++) {
		const pkg_group *g = &pkg->groups[i];
		char pos[16], pts[32];
		const char *v[8] = {task,
				    g->parent >= 0 ? ids[g->parent] : NULL,
				    g->name,
				    NUM(pos, "%d", g->position),
				    g->aggregation,
				    g->has_points ? NUM(pts, "%.17g", g->points) : NULL,
				    g->on_reject_break ? "break" : "continue",
				    g->validator_flags};
		first_col id;

		if (exec_one(
			s,
			"INSERT INTO test_groups (task_id, parent_id, name, position, aggregation, points, on_reject,"
			" validator_flags) VALUES ($1::bigint, $2::bigint, $3, $4::integer, $5, $6::double precision,"
			" $7, $8) RETURNING id",
			8, v, &id) < 0)
			return -1;
		snprintf(ids[i], sizeof(ids[i]), "%s", id.v);
	}
	return 0;
}

static int write_tests(store *s, const sv_package *pkg, const char *task, char (*group_ids)[128], blob_set *set)
{
	for (size_t i = 0; i < pkg->tests_count; i++) {
		const pkg_test *t = &pkg->tests[i];
		char order[24], weight[32];
		const char *v[8] = {task,
				    NUM(order, "%zu", i + 1),
				    NUM(weight, "%.17g", t->weight),
				    t->is_sample ? "true" : "false",
				    t->group >= 0 ? group_ids[t->group] : NULL,
				    t->name,
				    blob_of(set, t->input),
				    blob_of(set, t->answer)};

		if (exec(s,
			 "INSERT INTO tests (task_id, \"order\", weight, is_sample, group_id, name, input_sha256,"
			 " answer_sha256) VALUES ($1::bigint, $2::integer, $3::double precision, $4::boolean, "
			 "$5::bigint,"
			 " $6, $7, $8) ON CONFLICT (task_id, \"order\") DO UPDATE SET weight = EXCLUDED.weight,"
			 " is_sample = EXCLUDED.is_sample, group_id = EXCLUDED.group_id, name = EXCLUDED.name,"
			 " input_sha256 = EXCLUDED.input_sha256, answer_sha256 = EXCLUDED.answer_sha256",
			 8, v, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

/* The old tests the new ones did not replace. */
static int drop_other_tests(store *s, const sv_package *pkg, const char *task)
{
	char n[24];
	const char *v[2] = {task, NUM(n, "%zu", pkg->tests_count)};

	return exec(s, "DELETE FROM tests WHERE task_id = $1::bigint AND (\"order\" < 1 OR \"order\" > $2::integer)", 2,
		    v, NULL, NULL);
}

static int write_files(store *s, const sv_package *pkg, const char *task, blob_set *set)
{
	for (size_t i = 0; i < pkg->validator_files_count; i++) {
		const pkg_file *f = pkg->validator_files[i];
		const char *v[3] = {task, pkg_base_name(f->path), blob_of(set, f)};

		if (exec(s, "INSERT INTO task_validator_files (task_id, name, sha256) VALUES ($1::bigint, $2, $3)", 3,
			 v, NULL, NULL) < 0)
			return -1;
	}
	for (size_t i = 0; i < pkg->assets_count; i++) {
		const pkg_asset *a = &pkg->assets[i];
		const char *v[5] = {task, a->name, a->kind, a->content_type, blob_of(set, a->file)};

		if (exec(s,
			 "INSERT INTO task_assets (task_id, name, kind, content_type, sha256)"
			 " VALUES ($1::bigint, $2, $3, $4, $5)",
			 5, v, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

static int write_submissions(store *s, const sv_package *pkg, const char *task)
{
	for (size_t i = 0; i < pkg->submissions_count; i++) {
		const pkg_submission *p = &pkg->submissions[i];
		char expected[96] = "{", score[32], lang[16];
		const char *v[6];

		for (size_t k = 0; k < p->expected_count; k++)
			snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected), "%s%s", k ? "," : "",
				 p->expected[k]);
		strcat(expected, "}");
		v[0] = task;
		v[1] = p->path;
		v[2] = expected;
		v[3] = p->has_expected_score ? NUM(score, "%.17g", p->expected_score) : NULL;
		v[4] = NUM(lang, "%d", p->language_id);
		v[5] = pkg_text(p->file);
		if (exec(s,
			 "INSERT INTO task_package_submissions (task_id, path, expected, expected_score, language_id, "
			 "code)"
			 " VALUES ($1::bigint, $2, $3::text[], $4::double precision, $5::integer, $6)",
			 6, v, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

/* The staff_audit row of the import: the task as it was (NULL when new) and as it is now. */
static int write_audit(store *s, const sv_actor *actor, const char *task, const char *before, size_t tests,
		       size_t submissions)
{
	char user[24], t[24], n[24];
	const char *v[6] = {NUM(user, "%lld", actor ? actor->user_id : 0),
			    actor && actor->name ? actor->name : "?",
			    task,
			    before,
			    NUM(t, "%zu", tests),
			    NUM(n, "%zu", submissions)};

	return exec(s,
		    "INSERT INTO staff_audit (actor_id, actor_name, action, object_type, object_id, before, after)"
		    " VALUES (nullif($1::bigint, 0), coalesce((SELECT username FROM users WHERE id = $1::bigint), $2),"
		    " 'import', 'task', $3::bigint, $4::jsonb, solveit_admin_task_json($3::bigint)"
		    " || jsonb_build_object('tests', $5::integer, 'package_submissions', $6::integer))",
		    6, v, NULL, NULL);
}

static int store_all(store *s, sv_package *pkg, const sv_actor *actor, sv_import_result *res)
{
	first_col found, id, rev;
	blob_set set = {0};
	char *old = NULL, *before = NULL, (*group_ids)[128] = pkg_alloc((pkg->groups_count + 1) * sizeof(*group_ids));
	const char *v[1];
	int rc = -1;

	if (find_task(s, pkg, &found) < 0)
		goto out;
	v[0] = found.v;
	if (found.rows && exec(s, "SELECT solveit_admin_task_json($1::bigint)::text", 1, v, take_copy, &before) < 0)
		goto out;
	if (write_task(s, pkg, found.rows ? found.v : NULL, &id) < 0)
		goto out;
	if (found.rows && clear_task(s, id.v, &old) < 0)
		goto out;
	for (size_t i = 0; i < pkg->tests_count; i++)
		blob_of(&set, pkg->tests[i].input), blob_of(&set, pkg->tests[i].answer);
	for (size_t i = 0; i < pkg->validator_files_count; i++)
		blob_of(&set, pkg->validator_files[i]);
	for (size_t i = 0; i < pkg->assets_count; i++)
		blob_of(&set, pkg->assets[i].file);
	if ((set.blobs_count && store_blobs(s, &set) < 0) || write_groups(s, pkg, id.v, group_ids) < 0 ||
	    write_tests(s, pkg, id.v, group_ids, &set) < 0 || drop_other_tests(s, pkg, id.v) < 0 ||
	    write_files(s, pkg, id.v, &set) < 0 || write_submissions(s, pkg, id.v) < 0)
		goto out;
	v[0] = old ? old : "{}";
	if (exec(s, "SELECT solveit_drop_unused_blobs($1::text[])", 1, v, NULL, NULL) < 0)
		goto out;
	v[0] = id.v;
	if (write_audit(s, actor, id.v, before, pkg->tests_count, pkg->submissions_count) < 0 ||
	    exec_one(s, "SELECT revision FROM tasks WHERE id = $1::bigint", 1, v, &rev) < 0)
		goto out;
	res->task_id = atoll(id.v);
	snprintf(res->slug, sizeof(res->slug), "%s", pkg->slug);
	res->created = !found.rows;
	res->revision = atoi(rev.v);
	res->tests = pkg->tests_count;
	res->submissions = pkg->submissions_count;
	rc = 0;
out:
	free(old);
	free(before);
	free(group_ids);
	free(set.blobs);
	return rc;
}

int sv_package_store(sv_package *pkg, const sv_sql *db, const sv_actor *actor, sv_import_result *res, char *err,
		     size_t errlen)
{
	store s = {db, err, errlen};
	char ignored[256];

	memset(res, 0, sizeof(*res));
	if (exec(&s, "BEGIN", 0, NULL, NULL, NULL) < 0)
		return -1;
	if (store_all(&s, pkg, actor, res) < 0 || exec(&s, "COMMIT", 0, NULL, NULL, NULL) < 0) {
		db->exec(db->baton, "ROLLBACK", 0, NULL, NULL, NULL, NULL, NULL, ignored, sizeof(ignored));
		memset(res, 0, sizeof(*res));
		return -1;
	}
	return 0;
}
