-- Issue 12, the staff submissions pages: every user's submissions filtered by time and by a list of
-- ids too (the rejudge results table polls the submissions it queued), and the task's tests by
-- name beside a submission's results.

-- Filters by time: submitted at or after p_from, before p_to (NULL: unbounded).
CREATE INDEX submissions_submitted_at_idx ON submissions (submitted_at);

-- sql/023's listing gains arguments, so it is a new function: the old one goes.
DROP FUNCTION solveit_admin_submissions(bigint, text, text, text, text, integer, integer);

-- Every user's submissions, newest first, filtered (NULL: any) and paged, with the total and the
-- verdicts (or states, while not judged) of all that match.
CREATE FUNCTION solveit_admin_submissions(p_task bigint, p_user text, p_team text, p_verdict text, p_status text,
                                          p_from timestamptz, p_to timestamptz, p_ids bigint[],
                                          p_page integer, p_per_page integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT s.id, s.task_id, t.slug AS task_slug, t.title AS task_title, s.user_id, u.username, s.team_id,
               tm.name AS team, s.language_id, s.status, s.verdict, s.score, s.points, s.max_points, s.attempt,
               s.passed_tests, s.total_tests, s.tests_done, s.previous_verdict, s.previous_score,
               s.previous_points, s.previous_status,
               to_char(s.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS submitted_at,
               to_char(s.rejudged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS rejudged_at
          FROM submissions s JOIN users u ON u.id = s.user_id JOIN tasks t ON t.id = s.task_id
          LEFT JOIN teams tm ON tm.id = s.team_id
         WHERE (p_task IS NULL OR s.task_id = p_task) AND (p_user IS NULL OR u.username = p_user)
           AND (p_team IS NULL OR tm.name = p_team) AND (p_verdict IS NULL OR s.verdict = p_verdict)
           AND (p_status IS NULL OR s.status = p_status)
           AND (p_from IS NULL OR s.submitted_at >= p_from) AND (p_to IS NULL OR s.submitted_at < p_to)
           AND (p_ids IS NULL OR s.id = ANY (p_ids)))
    SELECT jsonb_build_object(
        'total', (SELECT count(*) FROM f),
        'page', p_page, 'per_page', p_per_page,
        'verdicts', COALESCE((SELECT jsonb_object_agg(v.k, v.n)
                                FROM (SELECT COALESCE(verdict, status) AS k, count(*) AS n FROM f GROUP BY 1) v),
                             '{}'::jsonb),
        'submissions', COALESCE((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id DESC)
                                   FROM (SELECT * FROM f ORDER BY id DESC LIMIT p_per_page
                                         OFFSET (p_page - 1)::bigint * p_per_page) x), '[]'::jsonb));
$$;

-- What staff see of a submission besides the students' view (sql/023's), plus the task's tests as
-- they are now, so that a result names its test and shows its group, weight and whether it is a
-- sample, and the tests that did not run are visible too.
CREATE OR REPLACE FUNCTION solveit_admin_submission_extra(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('points', s.points, 'max_points', s.max_points, 'group_results', s.group_results,
        'team_id', s.team_id, 'team', tm.name, 'package_submission_id', s.package_submission_id,
        'previous_verdict', s.previous_verdict, 'previous_score', s.previous_score,
        'previous_points', s.previous_points, 'previous_status', s.previous_status,
        'rejudged_at', to_char(s.rejudged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'tests', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', x.id, 'order', x."order", 'name', x.name,
                                                               'weight', x.weight, 'is_sample', x.is_sample,
                                                               'group', g.name) ORDER BY x."order")
                             FROM tests x LEFT JOIN test_groups g ON g.id = x.group_id
                            WHERE x.task_id = s.task_id), '[]'::jsonb))
      FROM submissions s LEFT JOIN teams tm ON tm.id = s.team_id WHERE s.id = p_id;
$$;
