-- Issue 13, assignments (doc/courses-and-contests.md): the staff API's reads and writes of
-- sql/029's tables, the late mark and its penalty, the submit path's deadline, the students'
-- assignments, and the grades of one assignment.

ALTER TABLE staff_audit DROP CONSTRAINT staff_audit_object_type_check;
ALTER TABLE staff_audit ADD CONSTRAINT staff_audit_object_type_check
    CHECK (object_type IN ('task', 'test', 'tests', 'submissions', 'user', 'users', 'team', 'settings',
                           'assignment'));

-- A time as the API writes it (ISO 8601 UTC); NULL stays NULL.
CREATE FUNCTION solveit_iso(p timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
$$;

-- A task's label in its assignment: "A", "B", ... by position, then "AA", "AB", ...
CREATE FUNCTION solveit_task_label(p_index integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_index < 26 THEN chr(65 + p_index)
                ELSE chr(64 + p_index / 26) || chr(65 + p_index % 26) END;
$$;

-- What a submission counts for: its score, less the assignment's late penalty when it was late;
-- NULL while it is not judged.
CREATE FUNCTION solveit_final_score(p_score integer, p_late boolean, p_task bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_score IS NULL THEN NULL
                WHEN NOT p_late THEN p_score
                ELSE round(p_score * (100 - COALESCE((SELECT a.late_penalty FROM assignment_tasks x
                                                        JOIN assignments a ON a.id = x.assignment_id
                                                       WHERE x.task_id = p_task), 0)) / 100.0)::integer END;
$$;

-- Whether the contest's board is frozen for students now.
CREATE FUNCTION solveit_assignment_frozen(a assignments) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT a.contest AND a.freeze_at IS NOT NULL AND now() >= a.freeze_at
           AND (a.unfrozen_at IS NULL OR a.unfrozen_at < a.freeze_at);
$$;

-- ---- The staff's view -----------------------------------------------------------------------------
CREATE FUNCTION solveit_admin_assignment_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', a.id, 'title', a.title, 'position', a.position,
        'task_ids', COALESCE((SELECT jsonb_agg(x.task_id ORDER BY x.position) FROM assignment_tasks x
                               WHERE x.assignment_id = a.id), '[]'::jsonb),
        'team_ids', COALESCE((SELECT jsonb_agg(m.team_id ORDER BY m.team_id) FROM assignment_teams m
                               WHERE m.assignment_id = a.id), '[]'::jsonb),
        'visible_to_all', a.visible_to_all, 'opens_at', solveit_iso(a.opens_at), 'due_at', solveit_iso(a.due_at),
        'closes_at', solveit_iso(a.closes_at), 'late_penalty', a.late_penalty, 'contest', a.contest,
        'freeze_at', solveit_iso(a.freeze_at), 'unfrozen_at', solveit_iso(a.unfrozen_at),
        'frozen', solveit_assignment_frozen(a), 'state', solveit_assignment_state(a),
        'created_at', solveit_iso(a.created_at), 'updated_at', solveit_iso(a.updated_at))
      FROM assignments a WHERE a.id = p_id;
$$;

CREATE FUNCTION solveit_admin_assignments_json() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('assignments', COALESCE(jsonb_agg(solveit_admin_assignment_json(a.id)
                                                                ORDER BY a.position, a.opens_at, a.id), '[]'::jsonb))
      FROM assignments a;
$$;

-- Sets the late mark of the submissions to p_tasks after their assignment's (current) due_at: a
-- task in no assignment has none, staff submissions are never late.
CREATE FUNCTION solveit_assignment_remark(p_tasks bigint[]) RETURNS void LANGUAGE sql VOLATILE AS $$
    UPDATE submissions s SET late = n.late
      FROM (SELECT s2.id, COALESCE(s2.submitted_at >= a.due_at AND NOT u.is_staff, false) AS late
              FROM submissions s2 JOIN users u ON u.id = s2.user_id
              LEFT JOIN assignment_tasks x ON x.task_id = s2.task_id
              LEFT JOIN assignments a ON a.id = x.assignment_id
             WHERE s2.task_id = ANY (p_tasks)) n
     WHERE s.id = n.id AND s.late IS DISTINCT FROM n.late;
$$;

-- A time field of p_fields: (value, NULL), or (NULL, the client's sentence) when it is not ISO
-- 8601 with a zone. Absent or null: (NULL, NULL).
CREATE FUNCTION solveit_admin_time_field(p_fields jsonb, p_name text, OUT value timestamptz, OUT problem text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v jsonb := p_fields->p_name;
    t text;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
        RETURN;
    END IF;
    IF jsonb_typeof(v) <> 'string' THEN
        problem := format('%s must be a time as text, such as 2026-12-08T10:00:00Z.', p_name);
        RETURN;
    END IF;
    t := v #>> '{}';
    IF t !~ '^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?' THEN
        problem := format('%s must be an ISO 8601 time such as 2026-12-08T10:00:00Z, not "%s".', p_name, t);
        RETURN;
    END IF;
    IF t !~ '^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)$' THEN
        problem := format('%s needs a time zone: write "%s" with Z (UTC) or an offset such as +01:00.', p_name, t);
        RETURN;
    END IF;
    BEGIN
        value := t::timestamptz;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        problem := format('%s is not an existing time: "%s".', p_name, t);
    END;
END $$;

-- Creates (p_id NULL), changes (fields absent stay) or deletes (p_delete) an assignment. The module
-- checked the JSON kinds; the times, the rules between fields and the ids are checked here, each
-- refusal a sentence naming the field.
CREATE FUNCTION solveit_admin_assignment_save(p_actor bigint, p_action text, p_id bigint, p_fields jsonb,
                                              p_delete boolean, OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old assignments;
    n assignments;
    before jsonb;
    problem text;
    tv timestamptz;
    f text;
    bad record;
    aid bigint := p_id;
    old_tasks bigint[] := '{}';
    new_tasks bigint[];
    team_list bigint[];
BEGIN
    IF p_id IS NOT NULL THEN
        SELECT * INTO old FROM assignments a WHERE a.id = p_id FOR UPDATE;
        IF NOT FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(404, format('Assignment %s does not exist.', p_id));
            RETURN;
        END IF;
        before := solveit_admin_assignment_json(p_id);
        old_tasks := ARRAY(SELECT x.task_id FROM assignment_tasks x WHERE x.assignment_id = p_id);
    END IF;
    IF p_delete THEN
        DELETE FROM assignments WHERE id = p_id;
        PERFORM solveit_assignment_remark(old_tasks);
        PERFORM solveit_audit(p_actor, p_action, 'assignment', p_id, before, NULL);
        status := 200;
        body := jsonb_build_object('id', p_id, 'deleted', true)::text;
        RETURN;
    END IF;
    IF p_id IS NULL THEN
        FOREACH f IN ARRAY ARRAY['title', 'opens_at', 'due_at'] LOOP
            IF p_fields->f IS NULL OR jsonb_typeof(p_fields->f) = 'null' THEN
                SELECT * INTO status, body FROM solveit_admin_error(400, format('%s is required.', f));
                RETURN;
            END IF;
        END LOOP;
    END IF;
    n := old;
    n.title := COALESCE(p_fields->>'title', old.title);
    IF length(n.title) NOT BETWEEN 1 AND 200 OR btrim(n.title) = '' THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, 'title must be 1 to 200 characters, not blank.');
        RETURN;
    END IF;
    IF p_fields ? 'position' THEN
        n.position := COALESCE((p_fields->>'position')::integer, 0);
    END IF;
    n.position := COALESCE(n.position, 0);
    IF p_fields ? 'late_penalty' THEN
        n.late_penalty := COALESCE((p_fields->>'late_penalty')::integer, 0);
    END IF;
    n.late_penalty := COALESCE(n.late_penalty, 0);
    IF n.late_penalty NOT BETWEEN 0 AND 100 THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, 'late_penalty must be a percentage from 0 to 100.');
        RETURN;
    END IF;
    IF p_fields ? 'contest' THEN
        n.contest := COALESCE((p_fields->>'contest')::boolean, false);
    END IF;
    n.contest := COALESCE(n.contest, false);
    n.visible_to_all := COALESCE(n.visible_to_all, true);
    FOREACH f IN ARRAY ARRAY['opens_at', 'due_at', 'closes_at', 'freeze_at', 'unfrozen_at'] LOOP
        IF p_fields ? f THEN
            SELECT * INTO tv, problem FROM solveit_admin_time_field(p_fields, f);
            IF problem IS NOT NULL THEN
                SELECT * INTO status, body FROM solveit_admin_error(400, problem);
                RETURN;
            END IF;
            IF tv IS NULL AND f IN ('opens_at', 'due_at') THEN
                SELECT * INTO status, body FROM solveit_admin_error(400, format('%s cannot be empty.', f));
                RETURN;
            END IF;
            n := jsonb_populate_record(n, jsonb_build_object(f, tv));
        END IF;
    END LOOP;
    IF n.due_at <= n.opens_at THEN
        problem := 'due_at must be after opens_at.';
    ELSIF n.closes_at IS NOT NULL AND n.closes_at < n.due_at THEN
        problem := 'closes_at must not be before due_at.';
    ELSIF n.contest AND n.closes_at IS NOT NULL THEN
        problem := 'A contest has no late window: closes_at must be empty.';
    ELSIF n.contest AND n.late_penalty <> 0 THEN
        problem := 'A contest has no late penalty: late_penalty must be 0.';
    ELSIF n.freeze_at IS NOT NULL AND NOT n.contest THEN
        problem := 'freeze_at is for contests only.';
    ELSIF n.freeze_at IS NOT NULL AND (n.freeze_at <= n.opens_at OR n.freeze_at > n.due_at) THEN
        problem := 'freeze_at must be after opens_at and no later than due_at.';
    END IF;
    IF problem IS NOT NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, problem);
        RETURN;
    END IF;
    -- The tasks: each exists, is listed once and is in no other assignment.
    IF p_fields ? 'task_ids' THEN
        new_tasks := ARRAY(SELECT jsonb_array_elements_text(COALESCE(NULLIF(p_fields->'task_ids', 'null'),
                                                                     '[]'::jsonb))::bigint);
        SELECT v.id INTO bad FROM unnest(new_tasks) v(id) GROUP BY v.id HAVING count(*) > 1 LIMIT 1;
        IF FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(400, format('Task %s is listed twice in task_ids.', bad.id));
            RETURN;
        END IF;
        SELECT v.id INTO bad FROM unnest(new_tasks) v(id) WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = v.id)
         LIMIT 1;
        IF FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(400, format('Task %s in task_ids does not exist.', bad.id));
            RETURN;
        END IF;
        SELECT x.task_id, a.title INTO bad FROM assignment_tasks x JOIN assignments a ON a.id = x.assignment_id
         WHERE x.task_id = ANY (new_tasks) AND x.assignment_id IS DISTINCT FROM p_id ORDER BY x.task_id LIMIT 1;
        IF FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(400,
                format('Task %s is already in the assignment %s.', bad.task_id, bad.title));
            RETURN;
        END IF;
    END IF;
    -- The teams: team_ids naming teams make it theirs only.
    IF p_fields ? 'team_ids' THEN
        team_list := ARRAY(SELECT DISTINCT jsonb_array_elements_text(COALESCE(NULLIF(p_fields->'team_ids', 'null'),
                                                                          '[]'::jsonb))::bigint);
        SELECT v.id INTO bad FROM unnest(team_list) v(id) WHERE NOT EXISTS (SELECT 1 FROM teams t WHERE t.id = v.id)
         ORDER BY v.id LIMIT 1;
        IF FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(400, format('Team %s in team_ids does not exist.', bad.id));
            RETURN;
        END IF;
        IF cardinality(team_list) > 0 AND (p_fields->>'visible_to_all')::boolean THEN
            SELECT * INTO status, body FROM solveit_admin_error(400,
                'visible_to_all cannot be true when team_ids names teams: leave one of them out.');
            RETURN;
        END IF;
        n.visible_to_all := cardinality(team_list) = 0 AND COALESCE((p_fields->>'visible_to_all')::boolean, true);
    ELSIF p_fields ? 'visible_to_all' THEN
        n.visible_to_all := COALESCE((p_fields->>'visible_to_all')::boolean, true);
        IF n.visible_to_all THEN
            team_list := '{}';
        END IF;
    END IF;
    IF p_id IS NULL THEN
        INSERT INTO assignments (title, position, opens_at, due_at, closes_at, late_penalty, visible_to_all, contest,
                                 freeze_at, unfrozen_at)
        VALUES (n.title, n.position, n.opens_at, n.due_at, n.closes_at, n.late_penalty, n.visible_to_all, n.contest,
                n.freeze_at, n.unfrozen_at)
        RETURNING id INTO aid;
    ELSE
        UPDATE assignments a SET title = n.title, position = n.position, opens_at = n.opens_at, due_at = n.due_at,
            closes_at = n.closes_at, late_penalty = n.late_penalty, visible_to_all = n.visible_to_all,
            contest = n.contest, freeze_at = n.freeze_at, unfrozen_at = n.unfrozen_at, updated_at = now()
         WHERE a.id = aid;
    END IF;
    IF new_tasks IS NOT NULL THEN
        DELETE FROM assignment_tasks WHERE assignment_id = aid;
        INSERT INTO assignment_tasks (assignment_id, task_id, position)
        SELECT aid, v.id, v.ord::integer FROM unnest(new_tasks) WITH ORDINALITY v(id, ord);
    END IF;
    IF team_list IS NOT NULL THEN
        DELETE FROM assignment_teams WHERE assignment_id = aid;
        INSERT INTO assignment_teams (assignment_id, team_id) SELECT aid, v.id FROM unnest(team_list) v(id);
    END IF;
    -- The late marks follow the current deadline and task list.
    IF p_id IS NULL OR new_tasks IS NOT NULL OR n.due_at IS DISTINCT FROM old.due_at THEN
        PERFORM solveit_assignment_remark(old_tasks || COALESCE(new_tasks, '{}')
                                          || ARRAY(SELECT x.task_id FROM assignment_tasks x WHERE x.assignment_id = aid));
    END IF;
    PERFORM solveit_audit(p_actor, p_action, 'assignment', aid, before, solveit_admin_assignment_json(aid));
    status := CASE WHEN p_id IS NULL THEN 201 ELSE 200 END;
    body := solveit_admin_assignment_json(aid)::text;
EXCEPTION WHEN integrity_constraint_violation THEN
    -- Two concurrent saves putting one task in two assignments meet the UNIQUE here.
    GET STACKED DIAGNOSTICS problem = MESSAGE_TEXT;
    SELECT * INTO status, body FROM solveit_admin_error(400, format('The assignment cannot be saved: %s.', problem));
END $$;

-- ---- The students' view ---------------------------------------------------------------------------
-- The assignments p_user sees, with their tasks and the user's best final score on each (none
-- while upcoming). Staff see every assignment.
CREATE FUNCTION solveit_assignments_json(p_user bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('now', solveit_iso(now()), 'assignments', COALESCE((SELECT jsonb_agg(jsonb_build_object(
        'id', a.id, 'title', a.title, 'opens_at', solveit_iso(a.opens_at), 'due_at', solveit_iso(a.due_at),
        'closes_at', solveit_iso(a.closes_at), 'late_penalty', a.late_penalty, 'contest', a.contest,
        'freeze_at', solveit_iso(a.freeze_at), 'frozen', solveit_assignment_frozen(a),
        'state', solveit_assignment_state(a),
        'tasks', CASE WHEN now() < a.opens_at AND NOT u.is_staff THEN '[]'::jsonb ELSE COALESCE((
            SELECT jsonb_agg(jsonb_build_object('id', t.id, 'slug', t.slug, 'title', t.title,
                                                'label', solveit_task_label(k.idx::integer - 1),
                                                'best_score', b.final_score, 'verdict', b.verdict) ORDER BY k.idx)
              FROM (SELECT x.task_id, row_number() OVER (ORDER BY x.position) AS idx FROM assignment_tasks x
                     WHERE x.assignment_id = a.id) k
              JOIN tasks t ON t.id = k.task_id
              LEFT JOIN LATERAL (SELECT solveit_final_score(s.score, s.late, s.task_id) AS final_score, s.verdict
                                   FROM submissions s WHERE s.user_id = p_user AND s.task_id = t.id
                                    AND s.status = 'completed' AND s.score IS NOT NULL
                                  ORDER BY 1 DESC, s.id DESC LIMIT 1) b ON true
             WHERE t.is_open OR u.is_staff), '[]'::jsonb) END)
        ORDER BY a.position, a.opens_at, a.id) FROM assignments a WHERE solveit_assignment_visible(a.id, u.id)),
        '[]'::jsonb))
      FROM users u WHERE u.id = p_user;
$$;

-- The task page's assignment: {id, title, label, opens_at, due_at, closes_at, late_penalty,
-- contest, state}, NULL when the task is in none.
CREATE FUNCTION solveit_task_assignment_json(p_task bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', a.id, 'title', a.title,
        'label', solveit_task_label((SELECT count(*)::integer FROM assignment_tasks y
                                      WHERE y.assignment_id = a.id AND y.position < x.position)),
        'opens_at', solveit_iso(a.opens_at), 'due_at', solveit_iso(a.due_at), 'closes_at', solveit_iso(a.closes_at),
        'late_penalty', a.late_penalty, 'contest', a.contest, 'state', solveit_assignment_state(a))
      FROM assignment_tasks x JOIN assignments a ON a.id = x.assignment_id WHERE x.task_id = p_task;
$$;

-- ---- Submitting -----------------------------------------------------------------------------------
-- sql/012's solveit_submit with the deadline: a student's submission to a closed assignment is
-- refused ('closed', with the close time and the title), one at or after due_at is stored late.
-- Tasks a student does not see are 'no_task'. Staff submit to everything, never late.
DROP FUNCTION solveit_submit(bigint, bigint, text, integer, text, boolean, integer);

-- The earlier submission with the same idempotency key, as solveit_submit answers it.
CREATE FUNCTION solveit_submit_replay(p_user bigint, p_key text)
RETURNS TABLE (r_outcome text, r_id bigint, r_team_id bigint, r_submitted_at text, r_attempt integer,
               r_status text, r_retry_after integer, r_late boolean, r_late_penalty integer, r_closes_at text,
               r_title text)
LANGUAGE sql STABLE AS $$
    SELECT 'replay'::text, s.id, s.team_id, NULL::text, s.attempt, s.status, 0, s.late, NULL::integer, NULL::text,
           NULL::text
      FROM submissions s WHERE s.user_id = p_user AND s.idempotency_key = p_key;
$$;

CREATE FUNCTION solveit_submit(p_user bigint, p_task bigint, p_code text, p_language integer, p_key text,
                               p_staff boolean, p_rate integer)
RETURNS TABLE (r_outcome text, r_id bigint, r_team_id bigint, r_submitted_at text, r_attempt integer,
               r_status text, r_retry_after integer, r_late boolean, r_late_penalty integer, r_closes_at text,
               r_title text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    recent integer;
    oldest timestamptz;
    a assignments;
    is_late boolean := false;
BEGIN
    IF p_key IS NOT NULL THEN
        RETURN QUERY SELECT * FROM solveit_submit_replay(p_user, p_key);
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p_task AND (p_staff OR solveit_task_visible(p_task, p_user))) THEN
        RETURN QUERY SELECT 'no_task'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::integer, NULL::text, 0,
                            false, NULL::integer, NULL::text, NULL::text;
        RETURN;
    END IF;
    SELECT g.* INTO a FROM assignment_tasks x JOIN assignments g ON g.id = x.assignment_id WHERE x.task_id = p_task;
    IF a.id IS NOT NULL AND NOT p_staff THEN
        IF solveit_assignment_state(a) = 'closed' THEN
            RETURN QUERY SELECT 'closed'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::integer, NULL::text, 0,
                                false, a.late_penalty, solveit_iso(COALESCE(a.closes_at, a.due_at)), a.title;
            RETURN;
        END IF;
        is_late := now() >= a.due_at;
    END IF;
    IF p_rate > 0 THEN
        PERFORM pg_advisory_xact_lock(1397048681, (p_user % 2147483647)::integer);
        -- A request with the same key may have held the lock before us.
        IF p_key IS NOT NULL THEN
            RETURN QUERY SELECT * FROM solveit_submit_replay(p_user, p_key);
            IF FOUND THEN
                RETURN;
            END IF;
        END IF;
        SELECT count(*), min(s.submitted_at) INTO recent, oldest
            FROM submissions s WHERE s.user_id = p_user AND s.submitted_at > now() - interval '60 seconds';
        IF recent >= p_rate THEN
            RETURN QUERY SELECT 'rate_limited'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::integer,
                NULL::text, greatest(1, ceil(extract(epoch FROM oldest + interval '60 seconds' - now())))::integer,
                false, NULL::integer, NULL::text, NULL::text;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY INSERT INTO submissions AS s (user_id, team_id, task_id, code, language_id, idempotency_key, late)
        VALUES (p_user, (SELECT u.team_id FROM users u WHERE u.id = p_user), p_task, p_code, p_language, p_key,
                is_late)
        ON CONFLICT (user_id, idempotency_key) DO NOTHING
        RETURNING 'created'::text, s.id, s.team_id, solveit_iso(s.submitted_at), s.attempt, s.status, 0, s.late,
                  CASE WHEN s.late THEN a.late_penalty END, solveit_iso(COALESCE(a.closes_at, a.due_at)), a.title;
    IF NOT FOUND THEN
        -- Unlimited callers take no lock: a concurrent request with the same key won the INSERT.
        RETURN QUERY SELECT * FROM solveit_submit_replay(p_user, p_key);
    END IF;
END $$;

-- ---- The staff's submissions: sql/025's, with the late mark and the final score ----------------
ALTER FUNCTION solveit_admin_submissions(bigint, text, text, text, text, timestamptz, timestamptz, bigint[], integer,
                                         integer) RENAME TO solveit_admin_submissions_page;
CREATE FUNCTION solveit_admin_submissions(p_task bigint, p_user text, p_team text, p_verdict text, p_status text,
                                          p_from timestamptz, p_to timestamptz, p_ids bigint[],
                                          p_page integer, p_per_page integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_set(p.page, '{submissions}', COALESCE((
        SELECT jsonb_agg(x.item || jsonb_build_object('late', s.late,
                                                      'final_score', solveit_final_score(s.score, s.late, s.task_id))
                         ORDER BY x.ord)
          FROM jsonb_array_elements(p.page->'submissions') WITH ORDINALITY x(item, ord)
          JOIN submissions s ON s.id = (x.item->>'id')::bigint), '[]'::jsonb))
      FROM (SELECT solveit_admin_submissions_page(p_task, p_user, p_team, p_verdict, p_status, p_from, p_to, p_ids,
                                                  p_page, p_per_page) AS page) p;
$$;

-- ---- Grades of one assignment ---------------------------------------------------------------------
-- One row per active student who sees the assignment, one column per task in its order: the best
-- final score over the student's submissions stored before the assignment closed (empty: none),
-- then the total. NULL when there is no such assignment.
CREATE FUNCTION solveit_admin_grades_csv(p_assignment bigint) RETURNS text LANGUAGE sql STABLE AS $$
    WITH a AS (SELECT * FROM assignments WHERE id = p_assignment),
    t AS (SELECT k.id, k.slug, x.position FROM assignment_tasks x JOIN tasks k ON k.id = x.task_id
           WHERE x.assignment_id = p_assignment),
    u AS (SELECT u.id, u.username, u.display_name, tm.name AS team FROM users u
            LEFT JOIN teams tm ON tm.id = u.team_id
           WHERE NOT u.is_staff AND u.is_active AND solveit_assignment_visible(p_assignment, u.id)),
    best AS (SELECT s.user_id, s.task_id, max(solveit_final_score(s.score, s.late, s.task_id)) AS score
               FROM submissions s JOIN t ON t.id = s.task_id, a
              WHERE s.status = 'completed' AND s.score IS NOT NULL
                AND s.submitted_at < COALESCE(a.closes_at, a.due_at)
              GROUP BY s.user_id, s.task_id)
    SELECT concat_ws(E'\n',
        'username,display_name,team' || COALESCE((SELECT string_agg(',' || solveit_csv_field(slug), '' ORDER BY position)
                                                    FROM t), '') || ',total',
        (SELECT string_agg(concat_ws(',', solveit_csv_field(u.username), solveit_csv_field(u.display_name),
                                     solveit_csv_field(u.team))
                           || COALESCE((SELECT string_agg(',' || COALESCE(b.score::text, ''), '' ORDER BY t.position)
                                          FROM t LEFT JOIN best b ON b.task_id = t.id AND b.user_id = u.id), '')
                           || ',' || (SELECT COALESCE(sum(b.score), 0) FROM best b WHERE b.user_id = u.id),
                           E'\n' ORDER BY u.username)
           FROM u)) || E'\n'
      FROM a;
$$;
