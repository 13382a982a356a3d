-- Issue 12 (DESIGN.md §8): the staff API's writes and their audit trail.
-- Every change made through /api/admin/ is one call of a solveit_admin_* function below: the change
-- and its audit row commit together or not at all (one statement, one transaction). Each function
-- answers (status, body): the HTTP status and the JSON body the module sends as it is, an object
-- on success or {"error": "..."} otherwise. The module checks the JSON types and ranges of the
-- fields first; the functions check what needs the database (unknown ids, names taken).

-- ---- The audit trail ------------------------------------------------------------------------------
-- who (actor_id, kept as actor_name once the account is gone), when, what (the route's action, the
-- object's type and id), and the object before and after (NULL when created / deleted). Password
-- hashes are never copied here.
CREATE TABLE staff_audit (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_name   text NOT NULL,
    action       text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    object_type  text NOT NULL CHECK (object_type IN ('task', 'test', 'tests', 'submissions', 'user', 'users', 'team')),
    object_id    bigint,
    before       jsonb,
    after        jsonb
);
CREATE INDEX staff_audit_at_idx ON staff_audit (id DESC);
CREATE INDEX staff_audit_object_idx ON staff_audit (object_type, object_id);

CREATE FUNCTION solveit_audit(p_actor bigint, p_action text, p_type text, p_id bigint, p_before jsonb,
                              p_after jsonb) RETURNS void LANGUAGE sql VOLATILE AS $$
    INSERT INTO staff_audit (actor_id, actor_name, action, object_type, object_id, before, after)
    VALUES (p_actor, COALESCE((SELECT username FROM users WHERE id = p_actor), '?'), p_action, p_type, p_id,
            p_before, p_after);
$$;

CREATE FUNCTION solveit_admin_error(p_status integer, p_message text, OUT status integer, OUT body text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_status, jsonb_build_object('error', p_message)::text;
$$;

-- A constraint the module's checks let through (a pattern, a combination of fields): its name
-- names the column, e.g. tasks_slug_check.
CREATE FUNCTION solveit_admin_constraint_error(p_state text, p_constraint text, p_message text,
                                               OUT status integer, OUT body text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT * FROM solveit_admin_error(CASE WHEN p_state = '23505' THEN 409 ELSE 400 END,
        CASE WHEN p_state = '23505' THEN p_message
             WHEN p_constraint = 'tasks_validator_present' THEN
                 'a custom or interactive checker needs validator_language_id and validator_source '
                 '(constraint tasks_validator_present)'
             WHEN p_constraint IS NOT NULL AND p_constraint <> '' THEN 'invalid value: ' || p_message
             ELSE p_message END);
$$;

-- ---- Rejudging ------------------------------------------------------------------------------------
-- The result a rejudge replaced, so that staff can compare before and after.
ALTER TABLE submissions
    ADD COLUMN previous_verdict text,
    ADD COLUMN previous_score integer,
    ADD COLUMN previous_points double precision,
    ADD COLUMN previous_status text,
    ADD COLUMN rejudged_at timestamptz;

-- ---- Tasks ----------------------------------------------------------------------------------------
-- A task as the staff API shows it: every column (statement and validator source included).
CREATE FUNCTION solveit_admin_task_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT to_jsonb(t) FROM tasks t WHERE t.id = p_id;
$$;

-- Creates (p_id NULL) or changes a task: the fields of p_fields replace the stored ones (PUT is
-- partial); those absent keep their value, or their default on creation.
CREATE FUNCTION solveit_admin_task_save(p_actor bigint, p_action text, p_id bigint, p_fields jsonb,
                                        OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old tasks;
    n tasks;
    tid bigint := p_id;
    state text;
    cname text;
    msg text;
BEGIN
    IF tid IS NULL THEN
        INSERT INTO tasks (slug, title) VALUES (p_fields->>'slug', p_fields->>'title') RETURNING * INTO old;
        tid := old.id;
    ELSE
        SELECT * INTO old FROM tasks t WHERE t.id = p_id FOR UPDATE;
        IF NOT FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(404, format('task %s not found', p_id));
            RETURN;
        END IF;
    END IF;
    n := jsonb_populate_record(old, p_fields);
    UPDATE tasks t SET slug = n.slug, title = n.title, statement_md = n.statement_md,
        time_limit_ms = n.time_limit_ms, memory_limit_kb = n.memory_limit_kb, is_open = n.is_open,
        position = n.position, type = n.type, judge_all = n.judge_all, checker = n.checker,
        case_sensitive = n.case_sensitive, space_change_sensitive = n.space_change_sensitive,
        float_abs_tol = n.float_abs_tol, float_rel_tol = n.float_rel_tol, validator_flags = n.validator_flags,
        validator_language_id = n.validator_language_id, validator_source = n.validator_source,
        validator_file_name = n.validator_file_name, wall_limit_ms = n.wall_limit_ms,
        output_limit_kb = n.output_limit_kb, compile_time_limit_ms = n.compile_time_limit_ms,
        compile_memory_limit_kb = n.compile_memory_limit_kb, language_time_factors = n.language_time_factors,
        time_limit_source = n.time_limit_source, time_multiplier = n.time_multiplier,
        time_safety_margin = n.time_safety_margin, updated_at = now()
     WHERE t.id = tid;
    PERFORM solveit_audit(p_actor, p_action, 'task', tid, CASE WHEN p_id IS NULL THEN NULL ELSE to_jsonb(old) END,
                          solveit_admin_task_json(tid));
    status := CASE WHEN p_id IS NULL THEN 201 ELSE 200 END;
    body := solveit_admin_task_json(tid)::text;
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, cname = CONSTRAINT_NAME, msg = MESSAGE_TEXT;
    IF state = '23505' THEN
        msg := format('a task with slug "%s" exists already', COALESCE(p_fields->>'slug', old.slug));
    END IF;
    SELECT * INTO status, body FROM solveit_admin_constraint_error(state, cname, msg);
END $$;

-- Deletes a task with its tests and groups. One with submissions only with p_force, which deletes
-- its submissions too (their results would point at a task that no longer exists).
CREATE FUNCTION solveit_admin_task_delete(p_actor bigint, p_action text, p_id bigint, p_force boolean,
                                          OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old jsonb := solveit_admin_task_json(p_id);
    subs bigint;
BEGIN
    IF old IS NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('task %s not found', p_id));
        RETURN;
    END IF;
    PERFORM 1 FROM tasks WHERE id = p_id FOR UPDATE;
    SELECT count(*) INTO subs FROM submissions WHERE task_id = p_id;
    IF subs > 0 AND NOT p_force THEN
        SELECT * INTO status, body FROM solveit_admin_error(409, format(
            'task %s has %s submissions: close it instead (is_open false), or delete it with ?force=1, '
            'which deletes its submissions too', p_id, subs));
        RETURN;
    END IF;
    DELETE FROM submissions WHERE task_id = p_id;
    DELETE FROM tasks WHERE id = p_id;
    PERFORM solveit_audit(p_actor, p_action, 'task', p_id, old || jsonb_build_object('submissions_deleted', subs),
                          NULL);
    status := 200;
    body := jsonb_build_object('id', p_id, 'deleted', true, 'submissions_deleted', subs)::text;
END $$;

-- ---- Tests ----------------------------------------------------------------------------------------
-- A test without its bytes: their sizes and hashes, its group by name.
CREATE FUNCTION solveit_admin_test_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', x.id, 'task_id', x.task_id, 'order', x."order", 'name', x.name,
        'weight', x.weight, 'is_sample', x.is_sample, 'group', g.name,
        'input_sha256', x.input_sha256, 'input_size', bi.size,
        'answer_sha256', x.answer_sha256, 'answer_size', ba.size)
      FROM tests x JOIN blobs bi ON bi.sha256 = x.input_sha256 JOIN blobs ba ON ba.sha256 = x.answer_sha256
      LEFT JOIN test_groups g ON g.id = x.group_id
     WHERE x.id = p_id;
$$;

-- The bytes of p_fields' "<what>" (UTF-8 text) or "<what>_base64", stored as a blob: its hash, or
-- NULL when neither is given. Raises 22023 with the field's name for bad base64.
CREATE FUNCTION solveit_admin_put_data(p_fields jsonb, p_what text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    bytes bytea;
BEGIN
    IF p_fields ? (p_what || '_base64') THEN
        BEGIN
            bytes := decode(p_fields->>(p_what || '_base64'), 'base64');
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION '%_base64 is not valid base64', p_what USING ERRCODE = '22023';
        END;
    ELSIF p_fields ? p_what THEN
        bytes := convert_to(p_fields->>p_what, 'UTF8');
    ELSE
        RETURN NULL;
    END IF;
    RETURN solveit_put_blob(bytes);
END $$;

-- The task's group named p_name (made on first use), NULL for no name.
CREATE FUNCTION solveit_admin_group(p_task bigint, p_name text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    gid bigint;
BEGIN
    IF p_name IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO test_groups (task_id, name, position)
        VALUES (p_task, p_name, (SELECT COALESCE(max(position), 0) + 1 FROM test_groups WHERE task_id = p_task))
        ON CONFLICT (task_id, name) DO NOTHING;
    SELECT g.id INTO gid FROM test_groups g WHERE g.task_id = p_task AND g.name = p_name;
    RETURN gid;
END $$;

-- Adds a test to task p_task (p_test NULL) or changes test p_test (partial). Without an order a new
-- test goes last; without data its input or answer is empty.
CREATE FUNCTION solveit_admin_test_save(p_actor bigint, p_action text, p_task bigint, p_test bigint,
                                        p_fields jsonb, OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old tests;
    before jsonb;
    tid bigint := p_test;
    task bigint := p_task;
    input_hash text;
    answer_hash text;
    state text;
    cname text;
    msg text;
BEGIN
    IF tid IS NULL THEN
        PERFORM 1 FROM tasks WHERE id = task FOR UPDATE;
        IF NOT FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(404, format('task %s not found', task));
            RETURN;
        END IF;
    ELSE
        SELECT * INTO old FROM tests x WHERE x.id = tid;
        IF NOT FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(404, format('test %s not found', tid));
            RETURN;
        END IF;
        task := old.task_id;
        PERFORM 1 FROM tasks WHERE id = task FOR UPDATE;
        before := solveit_admin_test_json(tid);
    END IF;
    input_hash := solveit_admin_put_data(p_fields, 'input');
    answer_hash := solveit_admin_put_data(p_fields, 'answer');
    IF tid IS NULL THEN
        INSERT INTO tests (task_id, "order", input_sha256, answer_sha256)
        VALUES (task, COALESCE((p_fields->>'order')::integer,
                               (SELECT COALESCE(max("order"), 0) + 1 FROM tests WHERE task_id = task)),
                COALESCE(input_hash, solveit_put_blob(''::bytea)), COALESCE(answer_hash, solveit_put_blob(''::bytea)))
        RETURNING id INTO tid;
    END IF;
    UPDATE tests x SET
        "order" = COALESCE((p_fields->>'order')::integer, x."order"),
        name = COALESCE(p_fields->>'name', x.name),
        weight = COALESCE((p_fields->>'weight')::double precision, x.weight),
        is_sample = COALESCE((p_fields->>'is_sample')::boolean, x.is_sample),
        group_id = CASE WHEN p_fields ? 'group' THEN solveit_admin_group(task, p_fields->>'group') ELSE x.group_id END,
        input_sha256 = COALESCE(input_hash, x.input_sha256),
        answer_sha256 = COALESCE(answer_hash, x.answer_sha256)
     WHERE x.id = tid;
    IF before IS NOT NULL THEN
        PERFORM solveit_drop_unused_blobs(ARRAY[old.input_sha256, old.answer_sha256]);
    END IF;
    PERFORM solveit_audit(p_actor, p_action, 'test', tid, before, solveit_admin_test_json(tid));
    status := CASE WHEN p_test IS NULL THEN 201 ELSE 200 END;
    body := solveit_admin_test_json(tid)::text;
EXCEPTION WHEN integrity_constraint_violation OR invalid_parameter_value THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, cname = CONSTRAINT_NAME, msg = MESSAGE_TEXT;
    IF state = '23505' THEN
        msg := format('task %s has a test with order %s already', task, p_fields->>'order');
    END IF;
    SELECT * INTO status, body FROM solveit_admin_constraint_error(state, cname, msg);
END $$;

CREATE FUNCTION solveit_admin_test_delete(p_actor bigint, p_action text, p_id bigint,
                                          OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    before jsonb := solveit_admin_test_json(p_id);
BEGIN
    IF before IS NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('test %s not found', p_id));
        RETURN;
    END IF;
    DELETE FROM tests WHERE id = p_id;
    PERFORM solveit_audit(p_actor, p_action, 'test', p_id, before, NULL);
    status := 200;
    body := jsonb_build_object('id', p_id, 'deleted', true)::text;
END $$;

-- Adds the pairs of an archive, [{"name", "input_base64", "answer_base64"}] in the order given,
-- after the task's last test; all or none.
CREATE FUNCTION solveit_admin_tests_add(p_actor bigint, p_action text, p_task bigint, p_tests jsonb,
                                        OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    next_order integer;
    item jsonb;
    tid bigint;
    added jsonb := '[]'::jsonb;
BEGIN
    PERFORM 1 FROM tasks WHERE id = p_task FOR UPDATE;
    IF NOT FOUND THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('task %s not found', p_task));
        RETURN;
    END IF;
    SELECT COALESCE(max("order"), 0) INTO next_order FROM tests WHERE task_id = p_task;
    FOR item IN SELECT value FROM jsonb_array_elements(p_tests) LOOP
        next_order := next_order + 1;
        INSERT INTO tests (task_id, "order", name, input_sha256, answer_sha256)
        VALUES (p_task, next_order, item->>'name', solveit_admin_put_data(item, 'input'),
                solveit_admin_put_data(item, 'answer'))
        RETURNING id INTO tid;
        added := added || solveit_admin_test_json(tid);
    END LOOP;
    PERFORM solveit_audit(p_actor, p_action, 'tests', p_task, NULL, jsonb_build_object('added', added));
    status := 201;
    body := jsonb_build_object('task_id', p_task, 'added', added)::text;
END $$;

-- ---- Submissions ----------------------------------------------------------------------------------
-- Queues submissions again with their next attempt (p_ids, or every one of task p_task): pending,
-- the result fields cleared and the replaced result kept in previous_*. The result-sink
-- only applies events of the current attempt, so a judge still busy with the old one is ignored.
-- Answers the rows the module sends to Kafka, as the submit path does. Submissions at the message
-- contract's last attempt (1000) are skipped.
CREATE FUNCTION solveit_admin_rejudge(p_actor bigint, p_action text, p_ids bigint[], p_task bigint)
RETURNS TABLE (r_id bigint, r_task_id bigint, r_user_id bigint, r_team_id bigint, r_code text,
               r_language_id integer, r_submitted_at text, r_attempt integer, r_revision integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    queued jsonb;
BEGIN
    -- Unknown ids: answered as negative ids (an unknown task as id 0), nothing queued.
    RETURN QUERY SELECT -x.id, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::integer, NULL::text,
                        NULL::integer, NULL::integer
                   FROM unnest(p_ids) AS x(id) WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.id = x.id);
    IF FOUND THEN
        RETURN;
    END IF;
    IF p_task IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p_task) THEN
        RETURN QUERY SELECT 0::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::integer,
                            NULL::text, NULL::integer, NULL::integer;
        RETURN;
    END IF;
    RETURN QUERY
    WITH picked AS (
        SELECT s.id FROM submissions s
         WHERE (p_task IS NULL OR s.task_id = p_task) AND (p_ids IS NULL OR s.id = ANY (p_ids)) AND s.attempt < 1000
         ORDER BY s.id FOR UPDATE),
    bumped AS (
        -- kafka_sent_at now, not NULL: the sweeper re-sends an unsent pending row once its
        -- submitted_at is older than its re-send age, which a rejudged row's always is, so NULL
        -- would race the message the module sends. The module clears it for a message it could not
        -- queue; one lost later is re-sent as any pending row that stays pending (result-sink's
        -- sweep_requeue_pending).
        UPDATE submissions s SET attempt = s.attempt + 1, status = 'pending', kafka_sent_at = now(),
            previous_verdict = s.verdict, previous_score = s.score, previous_points = s.points,
            previous_status = s.status, rejudged_at = now(),
            verdict = NULL, score = NULL, points = NULL, max_points = NULL, group_results = '[]'::jsonb,
            processing_started_at = NULL, processing_completed_at = NULL, execution_time = NULL,
            memory_used = NULL, passed_tests = NULL, total_tests = NULL, tests_done = 0,
            test_results = '[]'::jsonb, compiler_output = '', error_message = ''
          FROM picked WHERE s.id = picked.id
        RETURNING s.*)
    SELECT b.id, b.task_id, b.user_id, COALESCE(b.team_id, 0), b.code, b.language_id,
           to_char(b.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), b.attempt,
           (SELECT t.revision FROM tasks t WHERE t.id = b.task_id)
      FROM bumped b ORDER BY b.id;
    SELECT jsonb_agg(jsonb_build_object('id', s.id, 'attempt', s.attempt, 'previous_verdict', s.previous_verdict,
                                        'previous_score', s.previous_score) ORDER BY s.id)
      INTO queued
      FROM submissions s WHERE s.rejudged_at = now()
       AND (p_task IS NULL OR s.task_id = p_task) AND (p_ids IS NULL OR s.id = ANY (p_ids));
    PERFORM solveit_audit(p_actor, p_action, 'submissions', p_task,
                          CASE WHEN p_ids IS NULL THEN NULL ELSE jsonb_build_object('submission_ids', to_jsonb(p_ids)) END,
                          jsonb_build_object('queued', COALESCE(queued, '[]'::jsonb)));
END $$;

-- ---- Users and teams ------------------------------------------------------------------------------
CREATE FUNCTION solveit_admin_user_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name,
        'is_staff', u.is_staff, 'is_active', u.is_active, 'auth_source', u.auth_source,
        'has_password', u.password_hash IS NOT NULL, 'team_id', u.team_id, 'team', tm.name,
        'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'last_login_at', to_char(u.last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
      FROM users u LEFT JOIN teams tm ON tm.id = u.team_id WHERE u.id = p_id;
$$;

-- Creates (p_id NULL) or changes an account: username (creation only), display_name, is_staff,
-- is_active, team_id; p_hash, when not NULL, is the new password's bcrypt hash. Deactivating an
-- account or resetting its password ends its sessions.
CREATE FUNCTION solveit_admin_user_save(p_actor bigint, p_action text, p_id bigint, p_fields jsonb, p_hash text,
                                        OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    before jsonb;
    uid bigint := p_id;
    state text;
    cname text;
    msg text;
BEGIN
    IF p_fields ? 'team_id' AND p_fields->>'team_id' IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM teams WHERE id = (p_fields->>'team_id')::bigint) THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, format('team_id: team %s not found', p_fields->>'team_id'));
        RETURN;
    END IF;
    IF uid IS NULL THEN
        INSERT INTO users (username, password_hash, auth_source) VALUES (p_fields->>'username', p_hash, 'builtin')
            RETURNING id INTO uid;
    ELSE
        before := solveit_admin_user_json(uid);
        IF before IS NULL THEN
            SELECT * INTO status, body FROM solveit_admin_error(404, format('user %s not found', uid));
            RETURN;
        END IF;
        IF uid = p_actor AND (p_fields->>'is_staff' = 'false' OR p_fields->>'is_active' = 'false') THEN
            SELECT * INTO status, body FROM solveit_admin_error(409,
                'you cannot take away your own staff flag or deactivate yourself: ask another staff member');
            RETURN;
        END IF;
    END IF;
    UPDATE users u SET
        display_name = COALESCE(p_fields->>'display_name', u.display_name),
        is_staff = COALESCE((p_fields->>'is_staff')::boolean, u.is_staff),
        is_active = COALESCE((p_fields->>'is_active')::boolean, u.is_active),
        team_id = CASE WHEN p_fields ? 'team_id' THEN (p_fields->>'team_id')::bigint ELSE u.team_id END,
        password_hash = COALESCE(p_hash, u.password_hash)
     WHERE u.id = uid;
    IF p_id IS NOT NULL AND (p_hash IS NOT NULL OR p_fields->>'is_active' = 'false') THEN
        DELETE FROM sessions WHERE user_id = uid;
    END IF;
    PERFORM solveit_audit(p_actor, p_action, 'user', uid, before,
                          solveit_admin_user_json(uid) || jsonb_build_object('password_set', p_hash IS NOT NULL));
    status := CASE WHEN p_id IS NULL THEN 201 ELSE 200 END;
    body := solveit_admin_user_json(uid)::text;
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, cname = CONSTRAINT_NAME, msg = MESSAGE_TEXT;
    IF state = '23505' THEN
        msg := format('the username "%s" is taken', p_fields->>'username');
    END IF;
    SELECT * INTO status, body FROM solveit_admin_constraint_error(state, cname, msg);
END $$;

-- Imports accounts, [{"line", "username", "display_name", "hash", "team", "staff"}], all or none:
-- every row's problem (a name taken or repeated in the file) is reported, and with one nothing is
-- written. Teams named in the file are made on first use. p_dry_run: check only.
CREATE FUNCTION solveit_admin_users_import(p_actor bigint, p_action text, p_rows jsonb, p_dry_run boolean,
                                           OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    problems jsonb;
    created jsonb := '[]'::jsonb;
    item jsonb;
    uid bigint;
BEGIN
    SELECT jsonb_agg(jsonb_build_object('line', x.line, 'username', x.username, 'error', x.error) ORDER BY x.line)
      INTO problems
      FROM (SELECT (r->>'line')::integer AS line, r->>'username' AS username,
                   CASE WHEN EXISTS (SELECT 1 FROM users u WHERE u.username = r->>'username')
                        THEN format('user "%s" exists already', r->>'username')
                        ELSE format('user "%s" is repeated (line %s)', r->>'username',
                                    (SELECT min((o->>'line')::integer) FROM jsonb_array_elements(p_rows) o
                                      WHERE o->>'username' = r->>'username'))
                   END AS error
              FROM jsonb_array_elements(p_rows) r
             WHERE EXISTS (SELECT 1 FROM users u WHERE u.username = r->>'username')
                OR (SELECT min((o->>'line')::integer) FROM jsonb_array_elements(p_rows) o
                     WHERE o->>'username' = r->>'username') < (r->>'line')::integer) x;
    IF problems IS NOT NULL THEN
        SELECT 409, jsonb_build_object('error', format('%s of %s rows cannot be imported; nothing was written',
                                                       jsonb_array_length(problems), jsonb_array_length(p_rows)),
                                       'rows', problems)::text INTO status, body;
        RETURN;
    END IF;
    IF p_dry_run THEN
        status := 200;
        body := jsonb_build_object('dry_run', true, 'would_create', jsonb_array_length(p_rows),
            'new_teams', COALESCE((SELECT jsonb_agg(DISTINCT r->>'team') FROM jsonb_array_elements(p_rows) r
                                    WHERE r->>'team' IS NOT NULL
                                      AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.name = r->>'team')), '[]'::jsonb))::text;
        RETURN;
    END IF;
    INSERT INTO teams (name) SELECT DISTINCT r->>'team' FROM jsonb_array_elements(p_rows) r
        WHERE r->>'team' IS NOT NULL ON CONFLICT (name) DO NOTHING;
    FOR item IN SELECT value FROM jsonb_array_elements(p_rows) LOOP
        INSERT INTO users (username, display_name, password_hash, is_staff, team_id, auth_source)
        VALUES (item->>'username', COALESCE(item->>'display_name', ''), item->>'hash',
                COALESCE((item->>'staff')::boolean, false), (SELECT id FROM teams WHERE name = item->>'team'), 'builtin')
        RETURNING id INTO uid;
        created := created || solveit_admin_user_json(uid);
    END LOOP;
    PERFORM solveit_audit(p_actor, p_action, 'users', NULL, NULL, jsonb_build_object('created', created));
    status := 201;
    body := jsonb_build_object('dry_run', false, 'created', created)::text;
END $$;

CREATE FUNCTION solveit_admin_team_json(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', t.id, 'name', t.name,
        'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'members', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', u.id, 'username', u.username) ORDER BY u.username)
                               FROM users u WHERE u.team_id = t.id), '[]'::jsonb))
      FROM teams t WHERE t.id = p_id;
$$;

-- Creates (p_id NULL) or renames a team; p_delete deletes it (its members stay, without a team).
CREATE FUNCTION solveit_admin_team_save(p_actor bigint, p_action text, p_id bigint, p_name text, p_delete boolean,
                                        OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    before jsonb;
    tid bigint := p_id;
BEGIN
    IF tid IS NOT NULL THEN
        before := solveit_admin_team_json(tid);
        IF before IS NULL THEN
            SELECT * INTO status, body FROM solveit_admin_error(404, format('team %s not found', tid));
            RETURN;
        END IF;
    END IF;
    IF p_delete THEN
        DELETE FROM teams WHERE id = tid;
        PERFORM solveit_audit(p_actor, p_action, 'team', tid, before, NULL);
        status := 200;
        body := jsonb_build_object('id', tid, 'deleted', true)::text;
        RETURN;
    END IF;
    IF tid IS NULL THEN
        INSERT INTO teams (name) VALUES (p_name) RETURNING id INTO tid;
    ELSE
        UPDATE teams SET name = p_name WHERE id = tid;
    END IF;
    PERFORM solveit_audit(p_actor, p_action, 'team', tid, before, solveit_admin_team_json(tid));
    status := CASE WHEN p_id IS NULL THEN 201 ELSE 200 END;
    body := solveit_admin_team_json(tid)::text;
EXCEPTION WHEN unique_violation THEN
    SELECT * INTO status, body FROM solveit_admin_error(409, format('a team named "%s" exists already', p_name));
END $$;

-- ---- Reading -------------------------------------------------------------------------------------
-- Every user's submissions, newest first, filtered (NULL: any) and paged, with the total and the
-- verdicts of all that match.
CREATE FUNCTION solveit_admin_submissions(p_task bigint, p_user text, p_team text, p_verdict text, p_status text,
                                          p_page integer, p_per_page integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT s.id, s.task_id, t.slug AS task_slug, s.user_id, u.username, s.team_id, tm.name AS team,
               s.language_id, s.status, s.verdict, s.score, s.points, s.max_points, s.attempt,
               s.passed_tests, s.total_tests, s.previous_verdict, s.previous_score,
               to_char(s.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS submitted_at,
               to_char(s.rejudged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS rejudged_at
          FROM submissions s JOIN users u ON u.id = s.user_id JOIN tasks t ON t.id = s.task_id
          LEFT JOIN teams tm ON tm.id = s.team_id
         WHERE (p_task IS NULL OR s.task_id = p_task) AND (p_user IS NULL OR u.username = p_user)
           AND (p_team IS NULL OR tm.name = p_team) AND (p_verdict IS NULL OR s.verdict = p_verdict)
           AND (p_status IS NULL OR s.status = p_status))
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

-- What staff see of a submission besides the students' view: its exact points, groups, team and
-- the result a rejudge replaced.
CREATE FUNCTION solveit_admin_submission_extra(p_id bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('points', s.points, 'max_points', s.max_points, 'group_results', s.group_results,
        'team_id', s.team_id, 'team', tm.name, 'package_submission_id', s.package_submission_id,
        'previous_verdict', s.previous_verdict, 'previous_score', s.previous_score,
        'previous_points', s.previous_points, 'previous_status', s.previous_status,
        'rejudged_at', to_char(s.rejudged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
      FROM submissions s LEFT JOIN teams tm ON tm.id = s.team_id WHERE s.id = p_id;
$$;

-- The audit trail, newest first, optionally of one object type (and id).
CREATE FUNCTION solveit_admin_audit(p_type text, p_id bigint, p_page integer, p_per_page integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (SELECT * FROM staff_audit a WHERE (p_type IS NULL OR a.object_type = p_type)
                                             AND (p_id IS NULL OR a.object_id = p_id))
    SELECT jsonb_build_object('total', (SELECT count(*) FROM f), 'page', p_page, 'per_page', p_per_page,
        'entries', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', x.id,
                'at', to_char(x.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'actor_id', x.actor_id, 'actor', x.actor_name, 'action', x.action, 'object_type', x.object_type,
                'object_id', x.object_id, 'before', x.before, 'after', x.after) ORDER BY x.id DESC)
            FROM (SELECT * FROM f ORDER BY id DESC LIMIT p_per_page OFFSET (p_page - 1)::bigint * p_per_page) x),
            '[]'::jsonb));
$$;

-- ---- Grades ---------------------------------------------------------------------------------------
-- One CSV field: quoted when it holds a separator, a quote or a line break; a leading = + - @ (a
-- formula to a spreadsheet) is defused with a quote character.
CREATE FUNCTION solveit_csv_field(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v ~ '[,"\r\n]' THEN '"' || replace(v, '"', '""') || '"' ELSE v END
      FROM (SELECT CASE WHEN COALESCE(p, '') ~ '^[=+@-]' AND COALESCE(p, '') !~ '^-?[0-9.]+$' THEN '''' || p
                        ELSE COALESCE(p, '') END AS v) x;
$$;

-- The grades (issue 12; assignments and deadlines are issue 13's): one row per active student
-- (staff never), one column per task in the tasks' order, the best score of a completed
-- submission (empty: never submitted), then the total of the best scores.
CREATE FUNCTION solveit_admin_grades_csv() RETURNS text LANGUAGE sql STABLE AS $$
    WITH t AS (SELECT id, slug, position FROM tasks),
    u AS (SELECT u.id, u.username, u.display_name, tm.name AS team FROM users u
            LEFT JOIN teams tm ON tm.id = u.team_id WHERE NOT u.is_staff AND u.is_active),
    best AS (SELECT s.user_id, s.task_id, max(s.score) AS score FROM submissions s
              WHERE s.status = 'completed' AND s.score IS NOT NULL GROUP BY s.user_id, s.task_id)
    SELECT concat_ws(E'\n',
        'username,display_name,team' || COALESCE((SELECT string_agg(',' || solveit_csv_field(slug), '' ORDER BY position, id)
                                                    FROM t), '') || ',total',
        (SELECT string_agg(concat_ws(',', solveit_csv_field(u.username), solveit_csv_field(u.display_name),
                                     solveit_csv_field(u.team))
                           || COALESCE((SELECT string_agg(',' || COALESCE(b.score::text, ''), '' ORDER BY t.position, t.id)
                                          FROM t LEFT JOIN best b ON b.task_id = t.id AND b.user_id = u.id), '')
                           || ',' || (SELECT COALESCE(sum(b.score), 0) FROM best b WHERE b.user_id = u.id),
                           E'\n' ORDER BY u.username)
           FROM u)) || E'\n';
$$;
