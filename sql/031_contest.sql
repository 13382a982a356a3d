-- Issue 13: contests, the assignments with contest true (doc/courses-and-contests.md, "Contests").
-- Their ICPC scoreboard, as students (frozen) and staff (live) see it, and staff's unfreezing.
-- Labels, times and "frozen" are sql/030's (solveit_task_label, solveit_iso,
-- solveit_assignment_frozen).

-- The board of contest p_assignment (NULL when there is no such contest), the frozen view when
-- p_frozen: every counted submission stored at or after freeze_at is shown as pending only.
--   counted   a submission of an active student who sees the contest, to one of its tasks, stored
--             in [opens_at, due_at);
--   pending   not judged yet (or hidden by the freeze);
--   a solve   the first counted submission judged with score 100;
--   a try     a counted submission judged below 100 before the solve, a compile error excepted;
--   penalty   over the solved tasks, the whole minutes from opens_at to the solve + 20 per try.
-- Rows: every student with a counted submission, by rank() (solved desc, penalty asc), then
-- username. first: the earliest solve of a task on this board. "you" is the module's (false here).
CREATE FUNCTION solveit_scoreboard(p_assignment bigint, p_frozen boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
WITH c AS (
    SELECT * FROM assignments WHERE id = p_assignment AND contest
), t AS (
    SELECT x.task_id, k.slug, k.title, solveit_task_label(row_number() OVER (ORDER BY x.position, x.task_id)::integer - 1) AS label,
           row_number() OVER (ORDER BY x.position, x.task_id) AS n
    FROM c JOIN assignment_tasks x ON x.assignment_id = c.id JOIN tasks k ON k.id = x.task_id
), s AS (
    -- Each counted submission as this view shows it: 'solve', 'try', 'pending' or 'ce'.
    SELECT s.user_id, s.task_id, s.submitted_at,
           CASE WHEN p_frozen AND c.freeze_at IS NOT NULL AND s.submitted_at >= c.freeze_at THEN 'pending'
                WHEN s.status <> 'completed' OR s.score IS NULL THEN 'pending'
                WHEN s.score = 100 THEN 'solve'
                WHEN s.verdict = 'CE' THEN 'ce'
                ELSE 'try' END AS kind
    FROM c JOIN submissions s ON s.submitted_at >= c.opens_at AND s.submitted_at < c.due_at
    JOIN t ON t.task_id = s.task_id
    JOIN users u ON u.id = s.user_id AND u.is_active AND NOT u.is_staff
    WHERE solveit_assignment_visible(c.id, u.id)
), solve AS (
    SELECT user_id, task_id, min(submitted_at) AS at FROM s WHERE kind = 'solve' GROUP BY user_id, task_id
), cell AS (
    SELECT s.user_id, s.task_id, v.at AS solved_at,
           count(*) FILTER (WHERE s.kind = 'try' AND (v.at IS NULL OR s.submitted_at < v.at)) AS tries,
           count(*) FILTER (WHERE s.kind = 'pending' AND (v.at IS NULL OR s.submitted_at < v.at)) AS pending
    FROM s LEFT JOIN solve v ON v.user_id = s.user_id AND v.task_id = s.task_id
    GROUP BY s.user_id, s.task_id, v.at
), scored AS (
    SELECT cell.*, floor(extract(epoch FROM cell.solved_at - c.opens_at) / 60)::bigint AS minutes,
           cell.solved_at IS NOT NULL AND cell.solved_at = min(cell.solved_at) OVER (PARTITION BY cell.task_id) AS first
    FROM cell, c
), person AS (
    SELECT u.id AS user_id, u.username, u.display_name, m.name AS team,
           count(x.solved_at) AS solved,
           COALESCE(sum(x.minutes + 20 * x.tries) FILTER (WHERE x.solved_at IS NOT NULL), 0) AS penalty
    FROM scored x JOIN users u ON u.id = x.user_id LEFT JOIN teams m ON m.id = u.team_id
    GROUP BY u.id, u.username, u.display_name, m.name
), ranked AS (
    SELECT p.*, rank() OVER (ORDER BY p.solved DESC, p.penalty) AS rank FROM person p
)
SELECT jsonb_build_object(
    'assignment', jsonb_build_object(
        'id', c.id, 'title', c.title,
        'opens_at', solveit_iso(c.opens_at),
        'due_at', solveit_iso(c.due_at),
        'freeze_at', solveit_iso(c.freeze_at),
        'unfrozen_at', solveit_iso(c.unfrozen_at),
        'state', solveit_assignment_state(a0)),
    'now', solveit_iso(now()),
    'frozen', p_frozen,
    'frozen_for_students', solveit_assignment_frozen(a0),
    'tasks', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', t.task_id, 'label', t.label, 'slug', t.slug,
                                                           'title', t.title) ORDER BY t.n) FROM t), '[]'::jsonb),
    'rows', COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
                   'rank', r.rank, 'user_id', r.user_id, 'username', r.username, 'display_name', r.display_name,
                   'team', r.team, 'solved', r.solved, 'penalty', r.penalty, 'you', false,
                   'cells', (SELECT jsonb_agg(jsonb_build_object(
                                 'task_id', t.task_id, 'solved', x.solved_at IS NOT NULL,
                                 'minutes', CASE WHEN x.solved_at IS NOT NULL THEN x.minutes END,
                                 'tries', COALESCE(x.tries, 0), 'pending', COALESCE(x.pending, 0),
                                 'first', COALESCE(x.first, false)) ORDER BY t.n)
                             FROM t LEFT JOIN scored x ON x.task_id = t.task_id AND x.user_id = r.user_id))
               ORDER BY r.rank, r.username)
        FROM ranked r), '[]'::jsonb))
FROM c JOIN assignments a0 ON a0.id = c.id
$$;

-- The board as the module caches it for staff (p_staff: live) or for students (frozen while the
-- contest is), with who may see it ("visible_to_all", "team_ids": the module checks the caller and
-- strips them); {"none": true} when p_assignment is no contest.
CREATE FUNCTION solveit_scoreboard_view(p_assignment bigint, p_staff boolean) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT COALESCE((
        SELECT solveit_scoreboard(a.id, NOT p_staff AND solveit_assignment_frozen(a))
               || jsonb_build_object('visible_to_all', a.visible_to_all, 'team_ids',
                      COALESCE((SELECT jsonb_agg(m.team_id ORDER BY m.team_id) FROM assignment_teams m
                                WHERE m.assignment_id = a.id), '[]'::jsonb))
        FROM assignments a WHERE a.id = p_assignment AND a.contest), '{"none": true}'::jsonb)
$$;

-- Ends the freeze of contest p_id for students (sets unfrozen_at), audited; answers the
-- assignment as the staff API shows it (solveit_admin_assignment_json of sql/030).
CREATE FUNCTION solveit_admin_contest_unfreeze(p_actor bigint, p_action text, p_id bigint,
                                               OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a assignments;
    before jsonb;
BEGIN
    SELECT * INTO a FROM assignments WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('Assignment %s does not exist.', p_id));
        RETURN;
    ELSIF NOT a.contest THEN
        SELECT * INTO status, body
        FROM solveit_admin_error(400, format('%s is not a contest: only a contest''s board freezes.', a.title));
        RETURN;
    ELSIF a.freeze_at IS NULL THEN
        SELECT * INTO status, body
        FROM solveit_admin_error(400, format('The contest %s has no freeze time: its board is never frozen.', a.title));
        RETURN;
    ELSIF a.unfrozen_at >= a.freeze_at THEN
        SELECT * INTO status, body
        FROM solveit_admin_error(400, format('The board of %s was already unfrozen at %s.', a.title,
                                             solveit_iso(a.unfrozen_at)));
        RETURN;
    ELSIF now() < a.freeze_at THEN
        SELECT * INTO status, body
        FROM solveit_admin_error(400, format('The board of %s is not frozen yet: it freezes at %s.', a.title,
                                             solveit_iso(a.freeze_at)));
        RETURN;
    END IF;
    before := solveit_admin_assignment_json(p_id);
    UPDATE assignments SET unfrozen_at = now(), updated_at = now() WHERE id = p_id;
    PERFORM solveit_audit(p_actor, p_action, 'assignment', p_id, before, solveit_admin_assignment_json(p_id));
    status := 200;
    body := solveit_admin_assignment_json(p_id)::text;
END;
$$;
