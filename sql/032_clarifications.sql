-- Issue 13: clarifications (doc/courses-and-contests.md, "Clarifications"). A student asks a
-- question on a task or an assignment; staff answer it privately (only the asker sees it) or to
-- all (every student who sees the task or assignment, without the asker's name), and may post an
-- announcement: a public answer without a question, on a task, an assignment or neither (the
-- whole site). Each function answers (status, body) as the staff API's do (sql/023): the HTTP
-- status and the JSON the module sends as it is.

CREATE TABLE clarifications (
    id               bigserial PRIMARY KEY,
    -- The asker; NULL for an announcement.
    user_id          bigint REFERENCES users (id) ON DELETE CASCADE,
    -- What it is about: a task, an assignment as a whole, or (announcements only) neither. A
    -- task's assignment is the task's own (assignment_tasks), never copied here.
    task_id          bigint REFERENCES tasks (id) ON DELETE CASCADE,
    assignment_id    bigint REFERENCES assignments (id) ON DELETE CASCADE,
    question         text CHECK (length(question) BETWEEN 1 AND 2000),
    answer           text CHECK (length(answer) BETWEEN 1 AND 10000),
    public           boolean NOT NULL DEFAULT false,
    asked_at         timestamptz NOT NULL DEFAULT now(),
    answered_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Who answered as shown to staff (kept once the account is gone; solveit-admin's Unix user).
    answered_by_name text,
    answered_at      timestamptz,
    CONSTRAINT clarifications_one_subject CHECK (task_id IS NULL OR assignment_id IS NULL),
    CONSTRAINT clarifications_asked CHECK ((question IS NULL) = (user_id IS NULL)),
    CONSTRAINT clarifications_announcement CHECK (question IS NOT NULL OR (answer IS NOT NULL AND public)),
    CONSTRAINT clarifications_answered CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX clarifications_task_idx ON clarifications (task_id);
CREATE INDEX clarifications_assignment_idx ON clarifications (assignment_id);
CREATE INDEX clarifications_user_idx ON clarifications (user_id, asked_at);
CREATE INDEX clarifications_unanswered_idx ON clarifications (asked_at) WHERE answer IS NULL;

-- The audit's object types gain 'clarification'. The list is read from the constraint as it is
-- now, so that the types other migrations of issue 13 added stay whatever order they ran in.
DO $$
DECLARE
    types text[];
BEGIN
    SELECT array_agg(DISTINCT m[1]) INTO types
      FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
     WHERE c.conname = 'staff_audit_object_type_check' AND c.conrelid = 'staff_audit'::regclass;
    ALTER TABLE staff_audit DROP CONSTRAINT staff_audit_object_type_check;
    EXECUTE format('ALTER TABLE staff_audit ADD CONSTRAINT staff_audit_object_type_check'
                   ' CHECK (object_type = ANY (%L::text[]))', array_append(types, 'clarification'));
END $$;

-- How many questions a user may ask in an hour.
CREATE FUNCTION solveit_clarifications_per_hour() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 20';

-- The assignment a clarification is about: its own, or its task's.
CREATE FUNCTION solveit_clarification_assignment(c clarifications) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT COALESCE(c.assignment_id, (SELECT x.assignment_id FROM assignment_tasks x WHERE x.task_id = c.task_id));
$$;

-- C of the contract; staff also get who asked and who answered, a student whether it is theirs
-- ("mine") and never someone else's name.
CREATE FUNCTION solveit_clarification_json(c clarifications, p_staff boolean, p_user bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'task_id', c.task_id, 'task_title', t.title,
               'assignment_id', a.id, 'assignment_title', a.title, 'question', c.question,
               'answer', c.answer, 'public', c.public,
               'asked_at', to_char(c.asked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               'answered_at', to_char(c.answered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
           || CASE WHEN p_staff THEN jsonb_build_object('user_id', c.user_id, 'username', u.username,
                                                        'answered_by', c.answered_by_name)
                   ELSE jsonb_build_object('mine', c.user_id IS NOT DISTINCT FROM p_user AND c.user_id IS NOT NULL) END
      FROM (SELECT 1) x
      LEFT JOIN tasks t ON t.id = c.task_id
      LEFT JOIN assignments a ON a.id = solveit_clarification_assignment(c)
      LEFT JOIN users u ON u.id = c.user_id;
$$;

-- Whether a student sees the clarification: their own or a public answer, on something they see.
CREATE FUNCTION solveit_clarification_seen(c clarifications, p_user bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (c.user_id = p_user OR (c.public AND c.answer IS NOT NULL))
       AND (c.task_id IS NULL OR solveit_task_visible(c.task_id, p_user))
       AND (c.assignment_id IS NULL OR solveit_assignment_visible(c.assignment_id, p_user));
$$;

-- The subject of a question or announcement checked for p_user: (0, NULL) when it may be used,
-- else the 400/404 to answer. A task or assignment the user may not see is as if it did not exist.
CREATE FUNCTION solveit_clarification_subject_problem(p_user bigint, p_task bigint, p_assignment bigint,
                                                      OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    status := 0;
    IF p_task IS NOT NULL AND p_assignment IS NOT NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(400,
            'Give task_id or assignment_id, not both: a clarification is about one task or one assignment.');
    ELSIF p_task IS NOT NULL AND NOT solveit_task_visible(p_task, p_user) THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('There is no task %s.', p_task));
    ELSIF p_assignment IS NOT NULL AND NOT solveit_assignment_visible(p_assignment, p_user) THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('There is no assignment %s.', p_assignment));
    END IF;
END $$;

-- ---- Students --------------------------------------------------------------------------------------

-- GET /api/clarifications: newest first, what the user sees (solveit_clarification_seen). With a
-- task: that task's, its assignment's (the assignment as a whole) and the site-wide
-- announcements; with an assignment: the assignment's, its tasks' and the site-wide ones.
CREATE FUNCTION solveit_clarifications_list(p_user bigint, p_task bigint, p_assignment bigint,
                                            OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    task_assignment bigint := (SELECT x.assignment_id FROM assignment_tasks x WHERE x.task_id = p_task);
BEGIN
    SELECT * INTO status, body FROM solveit_clarification_subject_problem(p_user, p_task, p_assignment);
    IF status <> 0 THEN
        RETURN;
    END IF;
    status := 200;
    SELECT jsonb_build_object('clarifications', COALESCE(jsonb_agg(solveit_clarification_json(c, false, p_user)
                                                                   ORDER BY c.asked_at DESC, c.id DESC), '[]'))::text
      INTO body
      FROM clarifications c
     WHERE solveit_clarification_seen(c, p_user)
       AND (p_task IS NULL OR c.task_id = p_task
            OR (c.task_id IS NULL AND (c.assignment_id IS NULL OR c.assignment_id = task_assignment)))
       AND (p_assignment IS NULL OR (c.task_id IS NULL AND (c.assignment_id IS NULL OR c.assignment_id = p_assignment))
            OR c.task_id IN (SELECT x.task_id FROM assignment_tasks x WHERE x.assignment_id = p_assignment));
END $$;

-- POST /api/clarifications: a question (1-2000 characters, not only spaces) on a task or an
-- assignment the user sees, at most solveit_clarifications_per_hour() an hour. The 429's body
-- says when the next one is taken ("retry_after", seconds).
CREATE FUNCTION solveit_clarification_ask(p_user bigint, p_task bigint, p_assignment bigint, p_question text,
                                          OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    per_hour integer := solveit_clarifications_per_hour();
    oldest timestamptz;
    wait integer;
    c clarifications;
BEGIN
    IF p_task IS NULL AND p_assignment IS NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(400,
            'Say what the question is about: give task_id or assignment_id.');
        RETURN;
    END IF;
    SELECT * INTO status, body FROM solveit_clarification_subject_problem(p_user, p_task, p_assignment);
    IF status <> 0 THEN
        RETURN;
    END IF;
    IF p_question IS NULL OR btrim(p_question, E' \t\r\n') = '' THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, 'Write your question first (1 to 2000 characters).');
        RETURN;
    ELSIF length(p_question) > 2000 THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, format(
            'A question can be at most 2000 characters long; this one has %s.', length(p_question)));
        RETURN;
    END IF;
    -- One user's questions one at a time, so that two at once cannot both pass the count.
    PERFORM pg_advisory_xact_lock(1397048690, (p_user % 2147483647)::integer);
    SELECT min(x.asked_at) INTO oldest
      FROM (SELECT asked_at FROM clarifications WHERE user_id = p_user AND asked_at > now() - interval '1 hour'
             ORDER BY asked_at DESC LIMIT per_hour) x
     HAVING count(*) >= per_hour;
    IF oldest IS NOT NULL THEN
        wait := greatest(1, ceil(extract(epoch FROM oldest + interval '1 hour' - now())))::integer;
        status := 429;
        body := jsonb_build_object('error', format('You can ask %s questions an hour. Try again in %s.', per_hour,
                    CASE WHEN wait <= 60 THEN 'a minute' ELSE format('%s minutes', ceil(wait / 60.0)) END),
                    'retry_after', wait)::text;
        RETURN;
    END IF;
    INSERT INTO clarifications (user_id, task_id, assignment_id, question)
    VALUES (p_user, p_task, p_assignment, p_question) RETURNING * INTO c;
    status := 201;
    body := solveit_clarification_json(c, false, p_user)::text;
END $$;

-- ---- Staff -----------------------------------------------------------------------------------------

CREATE FUNCTION solveit_clarifications_unanswered() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM clarifications WHERE answer IS NULL;
$$;

-- GET /api/admin/clarifications: every clarification of p_status (unanswered, answered or all),
-- optionally of one task or assignment (as the students' list takes them), the unanswered ones
-- first and oldest first (the next to answer on top), then the answered ones newest first; and
-- how many are unanswered in all.
CREATE FUNCTION solveit_admin_clarifications(p_status text, p_task bigint, p_assignment bigint,
                                             OUT status integer, OUT body text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF COALESCE(p_status, 'all') NOT IN ('unanswered', 'answered', 'all') THEN
        SELECT * INTO status, body FROM solveit_admin_error(400,
            format('status must be unanswered, answered or all (got "%s").', p_status));
        RETURN;
    END IF;
    status := 200;
    SELECT jsonb_build_object('clarifications', COALESCE(jsonb_agg(solveit_clarification_json(c, true, NULL)
               ORDER BY c.answer IS NULL DESC,
                        CASE WHEN c.answer IS NULL THEN extract(epoch FROM c.asked_at) ELSE -extract(epoch FROM c.asked_at) END,
                        c.id DESC), '[]'),
               'unanswered', solveit_clarifications_unanswered())::text
      INTO body
      FROM clarifications c
     WHERE (COALESCE(p_status, 'all') = 'all' OR (p_status = 'unanswered') = (c.answer IS NULL))
       AND (p_task IS NULL OR c.task_id = p_task)
       AND (p_assignment IS NULL OR c.assignment_id = p_assignment
            OR c.task_id IN (SELECT x.task_id FROM assignment_tasks x WHERE x.assignment_id = p_assignment));
END $$;

-- The answer text checked: NULL when it may be stored, else the 400's message.
CREATE FUNCTION solveit_clarification_answer_problem(p_answer text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_answer IS NULL OR btrim(p_answer, E' \t\r\n') = '' THEN 'Write the answer first (1 to 10000 characters).'
                WHEN length(p_answer) > 10000 THEN
                    format('An answer can be at most 10000 characters long; this one has %s.', length(p_answer))
           END;
$$;

CREATE FUNCTION solveit_clarification_audit(p_actor bigint, p_actor_name text, p_action text, p_id bigint,
                                            p_before jsonb, p_after jsonb) RETURNS void LANGUAGE sql VOLATILE AS $$
    INSERT INTO staff_audit (actor_id, actor_name, action, object_type, object_id, before, after)
    VALUES (p_actor, COALESCE(p_actor_name, (SELECT username FROM users WHERE id = p_actor), '?'), p_action,
            'clarification', p_id, p_before, p_after);
$$;

-- PUT /api/admin/clarifications/{id}: answers (or answers again: the new text replaces the old)
-- privately or to all; p_public NULL keeps what it was (private for a first answer). An
-- announcement stays public. p_actor_name names a caller without an account (solveit-admin).
CREATE FUNCTION solveit_admin_clarification_answer(p_actor bigint, p_action text, p_id bigint, p_answer text,
                                                   p_public boolean, p_actor_name text DEFAULT NULL,
                                                   OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old clarifications;
    n clarifications;
    problem text := solveit_clarification_answer_problem(p_answer);
BEGIN
    SELECT * INTO old FROM clarifications WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('There is no clarification %s.', p_id));
        RETURN;
    ELSIF problem IS NOT NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, problem);
        RETURN;
    ELSIF old.question IS NULL AND p_public IS FALSE THEN
        SELECT * INTO status, body FROM solveit_admin_error(400,
            'An announcement is always public: it has no asker to answer privately.');
        RETURN;
    END IF;
    UPDATE clarifications SET answer = p_answer, public = COALESCE(p_public, old.public), answered_by = p_actor,
           answered_by_name = COALESCE(p_actor_name, (SELECT username FROM users WHERE id = p_actor), '?'),
           answered_at = now()
     WHERE id = p_id RETURNING * INTO n;
    PERFORM solveit_clarification_audit(p_actor, p_actor_name, p_action, p_id,
                                        solveit_clarification_json(old, true, NULL), solveit_clarification_json(n, true, NULL));
    status := 200;
    body := solveit_clarification_json(n, true, NULL)::text;
END $$;

-- POST /api/admin/clarifications: an announcement, a public answer without a question, on a task,
-- an assignment or (both NULL) the whole site.
CREATE FUNCTION solveit_admin_clarification_announce(p_actor bigint, p_action text, p_task bigint,
                                                     p_assignment bigint, p_answer text, p_actor_name text DEFAULT NULL,
                                                     OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n clarifications;
    problem text := solveit_clarification_answer_problem(p_answer);
BEGIN
    IF p_task IS NOT NULL AND p_assignment IS NOT NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(400,
            'Give task_id or assignment_id, not both: a clarification is about one task or one assignment.');
        RETURN;
    ELSIF p_task IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks WHERE id = p_task) THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('There is no task %s.', p_task));
        RETURN;
    ELSIF p_assignment IS NOT NULL AND NOT EXISTS (SELECT 1 FROM assignments WHERE id = p_assignment) THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('There is no assignment %s.', p_assignment));
        RETURN;
    ELSIF problem IS NOT NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(400, problem);
        RETURN;
    END IF;
    INSERT INTO clarifications (task_id, assignment_id, answer, public, answered_by, answered_by_name, answered_at)
    VALUES (p_task, p_assignment, p_answer, true, p_actor,
            COALESCE(p_actor_name, (SELECT username FROM users WHERE id = p_actor), '?'), now())
    RETURNING * INTO n;
    PERFORM solveit_clarification_audit(p_actor, p_actor_name, p_action, n.id, NULL,
                                        solveit_clarification_json(n, true, NULL));
    status := 201;
    body := solveit_clarification_json(n, true, NULL)::text;
END $$;
