-- Issue 12, the staff people and grades pages: per-task statistics (GET /api/admin/statistics) and
-- a CSV import preview that lists the accounts a dry run would create.

-- ---- Statistics -----------------------------------------------------------------------------------
-- One entry per task in the tasks' order, counting students' submissions only (staff accounts try
-- their own tasks; they are never graded or ranked, so they are not counted here either):
--   submissions         how many, of any status
--   users               distinct students who submitted
--   solved              students with a completed submission of full score (100)
--   average_best_score  the mean of each submitting student's best completed score (NULL: none yet)
--   verdicts            {"AC": n, "WA": n, ...}; a submission not judged yet counts under its status
--                       (pending, processing, failed)
-- plus "students", the number of active student accounts.
CREATE FUNCTION solveit_admin_statistics() RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT s.task_id, s.user_id, s.status, s.verdict, s.score
          FROM submissions s JOIN users u ON u.id = s.user_id
         WHERE NOT u.is_staff),
    best AS (
        SELECT task_id, user_id, max(score) AS score FROM s
         WHERE status = 'completed' AND score IS NOT NULL GROUP BY task_id, user_id),
    per_task AS (
        SELECT t.id, t.slug, t.title, t.is_open, t.position,
               (SELECT count(*) FROM s WHERE s.task_id = t.id) AS submissions,
               (SELECT count(DISTINCT s.user_id) FROM s WHERE s.task_id = t.id) AS users,
               (SELECT count(*) FROM best b WHERE b.task_id = t.id AND b.score = 100) AS solved,
               (SELECT round(avg(b.score), 1) FROM best b WHERE b.task_id = t.id) AS average_best_score,
               COALESCE((SELECT jsonb_object_agg(v.k, v.n)
                           FROM (SELECT CASE WHEN s.status = 'completed' AND s.verdict IS NOT NULL THEN s.verdict
                                             ELSE s.status END AS k, count(*) AS n
                                   FROM s WHERE s.task_id = t.id GROUP BY 1) v), '{}'::jsonb) AS verdicts
          FROM tasks t)
    SELECT jsonb_build_object(
        'students', (SELECT count(*) FROM users WHERE NOT is_staff AND is_active),
        'tasks', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', p.id, 'slug', p.slug, 'title', p.title,
                                'is_open', p.is_open, 'submissions', p.submissions, 'users', p.users,
                                'solved', p.solved, 'average_best_score', p.average_best_score,
                                'verdicts', p.verdicts) ORDER BY p.position, p.id)
                             FROM per_task p), '[]'::jsonb));
$$;

-- ---- CSV import preview ---------------------------------------------------------------------------
-- A dry run of sql/023's import answers how many accounts it would create; the people page also
-- shows which: the same function (renamed) answers, and a dry run that passes gets "rows", the
-- accounts it would create, [{"line", "username", "display_name", "team", "staff"}] (never a
-- password or hash), so that staff see them before "Import N users" commits.
ALTER FUNCTION solveit_admin_users_import(bigint, text, jsonb, boolean) RENAME TO solveit_admin_users_import_rows;

CREATE FUNCTION solveit_admin_users_import(p_actor bigint, p_action text, p_rows jsonb, p_dry_run boolean,
                                           OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    SELECT * INTO status, body FROM solveit_admin_users_import_rows(p_actor, p_action, p_rows, p_dry_run);
    IF p_dry_run AND status = 200 THEN
        body := (body::jsonb || jsonb_build_object('rows',
            (SELECT jsonb_agg(jsonb_build_object('line', (r->>'line')::integer, 'username', r->>'username',
                                  'display_name', COALESCE(r->>'display_name', ''), 'team', r->>'team',
                                  'staff', COALESCE((r->>'staff')::boolean, false))
                              ORDER BY (r->>'line')::integer)
               FROM jsonb_array_elements(p_rows) r)))::text;
    END IF;
END $$;
