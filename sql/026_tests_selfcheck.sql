-- Issue 12, the staff tests page: reordering tests, and the self-check of a package's own
-- submissions (task_package_submissions) from the browser. The self-check's rules live here so
-- that the module (POST /api/admin/tasks/{id}/self-check) and solveit-admin verify judge alike:
-- the account both submit as, when a run agrees with the package, and the computed time limit.

-- ---- Reordering -----------------------------------------------------------------------------------
-- PUT /api/admin/tests/{id} with an "order" another test of the task has swaps the two (Move up /
-- Move down on the page); the move and both audit rows commit together. sql/023's function does
-- the change itself.
ALTER FUNCTION solveit_admin_test_save(bigint, text, bigint, bigint, jsonb) RENAME TO solveit_admin_test_change;

CREATE FUNCTION solveit_admin_test_save(p_actor bigint, p_action text, p_task bigint, p_test bigint,
                                        p_fields jsonb, OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    moved tests;
    other tests;
    other_before jsonb;
BEGIN
    IF p_test IS NOT NULL AND p_fields->>'order' IS NOT NULL THEN
        SELECT * INTO moved FROM tests x WHERE x.id = p_test;
        IF FOUND THEN
            PERFORM 1 FROM tasks WHERE id = moved.task_id FOR UPDATE;
            SELECT * INTO other FROM tests x
             WHERE x.task_id = moved.task_id AND x."order" = (p_fields->>'order')::integer AND x.id <> p_test;
            IF FOUND THEN
                other_before := solveit_admin_test_json(other.id);
                -- Out of the way first: (task_id, order) is unique at every statement.
                UPDATE tests SET "order" = (SELECT min(x."order") - 1 FROM tests x WHERE x.task_id = moved.task_id)
                 WHERE id = other.id;
            END IF;
        END IF;
    END IF;
    SELECT * INTO status, body FROM solveit_admin_test_change(p_actor, p_action, p_task, p_test, p_fields);
    IF other.id IS NOT NULL THEN
        UPDATE tests SET "order" = CASE WHEN status < 300 THEN moved."order" ELSE other."order" END WHERE id = other.id;
        IF status < 300 THEN
            PERFORM solveit_audit(p_actor, p_action, 'test', other.id, other_before, solveit_admin_test_json(other.id));
        END IF;
    END IF;
END $$;

-- ---- The self-check -------------------------------------------------------------------------------
-- The staff account the self-check submits as: staff (never ranked, may submit to a closed task),
-- inactive and without a password (nobody logs in as it). Made on first use; NULL when an account
-- of that name exists that is not this one.
CREATE FUNCTION solveit_selfcheck_user() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    uid bigint;
BEGIN
    INSERT INTO users (username, password_hash, is_staff, is_active, display_name)
    VALUES ('solveit-verify', NULL, true, false, 'solveit-admin verify') ON CONFLICT (username) DO NOTHING;
    SELECT id INTO uid FROM users
     WHERE username = 'solveit-verify' AND is_staff AND password_hash IS NULL AND NOT is_active;
    RETURN uid;
END $$;

-- Whether a judged run agrees with what the package expects of it (judging-and-packages §3.6):
-- completed, its verdict one of the expected ones, PA only for a score strictly between 0 and 100,
-- and an expected score met by the points (else the score) within 0.01.
CREATE FUNCTION solveit_selfcheck_agrees(p_expected text[], p_expected_score double precision, p_status text,
                                         p_verdict text, p_score integer, p_points double precision)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(p_status = 'completed' AND p_verdict = ANY (p_expected)
                    AND (p_verdict <> 'PA' OR (p_score > 0 AND p_score < 100))
                    AND (p_expected_score IS NULL OR abs(COALESCE(p_points, p_score) - p_expected_score) <= 0.01),
                    false);
$$;

-- The time limit a pending task gets from its slowest accepted run (seconds): max(1 s, slowest x
-- time_multiplier), rounded up to 100 ms, at most 60 s.
CREATE FUNCTION solveit_selfcheck_time_limit(p_slowest double precision, p_multiplier double precision)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT least(60000, (greatest(1000, ceil(p_slowest * 1000 * p_multiplier - 1e-9)::integer) + 99) / 100 * 100);
$$;

-- Each package submission of a task with its latest run (by the self-check or solveit-admin verify).
CREATE FUNCTION solveit_selfcheck_runs(p_task bigint)
RETURNS TABLE (package_id bigint, path text, expected text[], expected_score double precision, language_id integer,
               accepted_only boolean, run_id bigint, status text, verdict text, score integer, points double precision,
               max_points double precision, execution_time double precision, memory_used integer,
               error_message text, submitted_at timestamptz, agrees boolean)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.path, p.expected, p.expected_score, p.language_id, p.expected = ARRAY['AC'],
           s.id, s.status, s.verdict, s.score, s.points, s.max_points, s.execution_time, s.memory_used,
           NULLIF(s.error_message, ''), s.submitted_at,
           CASE WHEN s.status IN ('completed', 'failed')
                THEN solveit_selfcheck_agrees(p.expected, p.expected_score, s.status, s.verdict, s.score, s.points) END
      FROM task_package_submissions p
      LEFT JOIN LATERAL (SELECT * FROM submissions x WHERE x.package_submission_id = p.id ORDER BY x.id DESC LIMIT 1) s
        ON true
     WHERE p.task_id = p_task;
$$;

-- What a self-check of the task queues next: 'all'; or, while its time limit is pending, first
-- 'accepted' (the accepted submissions, under the provisional limit), then 'rest' once each of
-- them has a run judged since the task or its tests last changed (the limit is then computed from
-- them); 'none' when the task has no package submissions, or a pending limit and no accepted one.
CREATE FUNCTION solveit_selfcheck_next(p_task bigint) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM task_package_submissions p WHERE p.task_id = t.id) THEN 'none'
                WHEN t.time_limit_source <> 'pending' THEN 'all'
                WHEN NOT EXISTS (SELECT 1 FROM solveit_selfcheck_runs(t.id) r WHERE r.accepted_only) THEN 'none'
                WHEN NOT EXISTS (SELECT 1 FROM solveit_selfcheck_runs(t.id) r
                                  WHERE r.accepted_only AND (r.status IS NULL OR r.status NOT IN ('completed', 'failed')
                                                             OR r.submitted_at < t.updated_at)) THEN 'rest'
                ELSE 'accepted' END
      FROM tasks t WHERE t.id = p_task;
$$;

-- GET /api/admin/tasks/{id}/self-check: NULL for an unknown task.
CREATE FUNCTION solveit_selfcheck_json(p_task bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH r AS (SELECT * FROM solveit_selfcheck_runs(p_task))
    SELECT jsonb_build_object('task_id', t.id, 'slug', t.slug, 'title', t.title, 'time_limit_ms', t.time_limit_ms,
        'time_limit_source', t.time_limit_source, 'time_multiplier', t.time_multiplier,
        'next', solveit_selfcheck_next(t.id),
        'running', EXISTS (SELECT 1 FROM r WHERE r.status IN ('pending', 'processing')),
        'total', (SELECT count(*) FROM r),
        'judged', (SELECT count(*) FROM r WHERE r.status IN ('completed', 'failed')),
        'agree', (SELECT count(*) FROM r WHERE r.agrees),
        'submissions', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                'id', r.package_id, 'path', r.path, 'expected', to_jsonb(r.expected),
                'expected_score', r.expected_score, 'language_id', r.language_id,
                'run', CASE WHEN r.run_id IS NOT NULL THEN jsonb_build_object(
                    'submission_id', r.run_id, 'status', r.status, 'verdict', r.verdict, 'score', r.score,
                    'points', r.points, 'max_points', r.max_points, 'time', r.execution_time,
                    'memory', r.memory_used, 'error_message', r.error_message,
                    'submitted_at', to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) END,
                'ok', r.agrees) ORDER BY r.path) FROM r), '[]'::jsonb))
      FROM tasks t WHERE t.id = p_task;
$$;

-- POST /api/admin/tasks/{id}/self-check: queues the package submissions solveit_selfcheck_next
-- names, as the self-check account, through solveit_submit (the submit path's INSERT). The first
-- row answers: r_status 202 with r_message the phase queued, or the HTTP status with the client's
-- message (then nothing was written). The rows after it are the queued submissions, with the
-- columns of solveit_admin_rejudge first, for the module to send to Kafka. kafka_sent_at is set
-- now, as a rejudge does, so that the sweeper does not race the module's message.
CREATE FUNCTION solveit_admin_selfcheck(p_actor bigint, p_action text, p_task bigint)
RETURNS TABLE (r_id bigint, r_task_id bigint, r_user_id bigint, r_team_id bigint, r_code text,
               r_language_id integer, r_submitted_at text, r_attempt integer, r_revision integer,
               r_status integer, r_message text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    t tasks;
    phase text;
    uid bigint;
    busy integer;
    slowest double precision;
    why text;
    limit_ms integer;
    before jsonb;
    item record;
    made record;
    queued jsonb := '[]'::jsonb;
BEGIN
    SELECT * INTO t FROM tasks x WHERE x.id = p_task FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::integer,
                            NULL::text, NULL::integer, NULL::integer, 404, format('task %s not found', p_task);
        RETURN;
    END IF;
    phase := solveit_selfcheck_next(p_task);
    SELECT count(*) INTO busy FROM solveit_selfcheck_runs(p_task) r WHERE r.status IN ('pending', 'processing');
    uid := solveit_selfcheck_user();
    r_status := 409;
    IF NOT EXISTS (SELECT 1 FROM task_package_submissions p WHERE p.task_id = p_task) THEN
        r_message := format('task %s has no package submissions to self-check: import a problem package that has '
                            'a submissions/ folder', t.slug);
    ELSIF phase = 'none' THEN
        r_message := 'the time limit is pending and the package has no accepted submission to compute it from: '
                     'set the time limit on the task page';
    ELSIF busy > 0 THEN
        r_message := format('a self-check of this task is still judging (%s submissions to go): wait for it to finish',
                            busy);
    ELSIF uid IS NULL THEN
        r_message := 'an account named solveit-verify exists that is not the self-check''s (staff, inactive, '
                     'without a password): rename it';
    END IF;
    IF r_message IS NOT NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;
    IF phase = 'rest' THEN
        SELECT max(r.execution_time) FILTER (WHERE r.status = 'completed' AND r.verdict = 'AC'),
               min(r.error_message) FILTER (WHERE r.error_message IS NOT NULL)
          INTO slowest, why FROM solveit_selfcheck_runs(p_task) r WHERE r.accepted_only;
        IF slowest IS NULL THEN
            r_message := 'no accepted submission was accepted: the time limit cannot be computed'
                         || COALESCE('; the judge said: ' || why, '');
            RETURN NEXT;
            RETURN;
        END IF;
        limit_ms := solveit_selfcheck_time_limit(slowest, t.time_multiplier);
        before := solveit_admin_task_json(p_task);
        UPDATE tasks SET time_limit_ms = limit_ms, time_limit_source = 'computed' WHERE id = p_task;
        PERFORM solveit_audit(p_actor, p_action, 'task', p_task, before, solveit_admin_task_json(p_task));
    END IF;
    RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::integer,
                        NULL::text, NULL::integer, NULL::integer, 202, phase;
    FOR item IN SELECT p.id, p.code, p.language_id FROM task_package_submissions p
                 WHERE p.task_id = p_task
                   AND (phase = 'all' OR (phase = 'accepted') = (p.expected = ARRAY['AC']))
                 ORDER BY p.path LOOP
        SELECT * INTO made FROM solveit_submit(uid, p_task, item.code, item.language_id, NULL, true, 0);
        UPDATE submissions SET package_submission_id = item.id, kafka_sent_at = now() WHERE id = made.r_id;
        queued := queued || jsonb_build_object('submission_id', made.r_id, 'package_submission_id', item.id);
        RETURN QUERY SELECT made.r_id, p_task, uid, COALESCE(made.r_team_id, 0), item.code, item.language_id,
                            made.r_submitted_at, made.r_attempt, (SELECT x.revision FROM tasks x WHERE x.id = p_task),
                            NULL::integer, NULL::text;
    END LOOP;
    PERFORM solveit_audit(p_actor, p_action, 'submissions', p_task, NULL,
                          jsonb_build_object('self_check', phase, 'time_limit_ms', limit_ms, 'queued', queued));
END $$;
