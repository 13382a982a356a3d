-- mod_solveit, issue 4: the number of tests of each task, and limits that concurrent requests
-- cannot exceed.

-- ---- tasks.test_count -----------------------------------------------------------------------------
-- The task list is the API's hot path: it reads the count from the task's own row instead of
-- counting tests on every request. Row triggers keep it in step (+1/-1 under the task row's lock,
-- so concurrent writers cannot lose an update); TRUNCATE, which fires no row trigger, resets it.
ALTER TABLE tasks ADD COLUMN test_count integer NOT NULL DEFAULT 0 CHECK (test_count >= 0);
UPDATE tasks t SET test_count = (SELECT count(*) FROM tests x WHERE x.task_id = t.id);

CREATE FUNCTION solveit_count_tests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.task_id = OLD.task_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE tasks SET test_count = test_count - 1 WHERE id = OLD.task_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE tasks SET test_count = test_count + 1 WHERE id = NEW.task_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tests_count AFTER INSERT OR DELETE OR UPDATE OF task_id ON tests
    FOR EACH ROW EXECUTE FUNCTION solveit_count_tests();

CREATE FUNCTION solveit_zero_test_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks SET test_count = 0 WHERE test_count <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER tests_truncate_count AFTER TRUNCATE ON tests
    FOR EACH STATEMENT EXECUTE FUNCTION solveit_zero_test_counts();

-- ---- Exact limits ---------------------------------------------------------------------------------
-- Counting and then inserting in two statements lets concurrent requests of one user all see the
-- same count. These functions take a transaction-scoped advisory lock first; the statements after
-- it run with a fresh snapshot (a VOLATILE PL/pgSQL function takes one per statement in READ
-- COMMITTED), and the lock is released only after the caller's single-statement transaction
-- commits, so the next holder counts every row its predecessors inserted. One round trip each.
-- Advisory lock keys (two-int form): (1397048681, user id) a user's submissions,
-- (1397048682, hash of the account or address) its failed logins.

-- Stores a submission unless the caller is over its rate: the idempotency replay, the task check,
-- the per-minute count and the INSERT in one statement. p_rate 0 = unlimited (staff).
-- r_outcome: 'created', 'replay' (same idempotency key: the earlier submission), 'no_task' (unknown,
-- or closed and not staff), 'rate_limited' (r_retry_after seconds until a slot frees up).
CREATE FUNCTION solveit_submit(p_user bigint, p_task bigint, p_code text, p_language integer, p_key text,
                               p_staff boolean, p_rate integer)
RETURNS TABLE (r_outcome text, r_id bigint, r_team_id bigint, r_submitted_at text, r_attempt integer,
               r_status text, r_retry_after integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    recent integer;
    oldest timestamptz;
BEGIN
    IF p_key IS NOT NULL THEN
        RETURN QUERY SELECT 'replay'::text, s.id, s.team_id, NULL::text, s.attempt, s.status, 0
            FROM submissions s WHERE s.user_id = p_user AND s.idempotency_key = p_key;
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p_task AND (t.is_open OR p_staff)) THEN
        RETURN QUERY SELECT 'no_task'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::integer, NULL::text, 0;
        RETURN;
    END IF;
    IF p_rate > 0 THEN
        PERFORM pg_advisory_xact_lock(1397048681, (p_user % 2147483647)::integer);
        -- A request with the same key may have held the lock before us.
        IF p_key IS NOT NULL THEN
            RETURN QUERY SELECT 'replay'::text, s.id, s.team_id, NULL::text, s.attempt, s.status, 0
                FROM submissions s WHERE s.user_id = p_user AND s.idempotency_key = p_key;
            IF FOUND THEN
                RETURN;
            END IF;
        END IF;
        SELECT count(*), min(s.submitted_at) INTO recent, oldest
            FROM submissions s WHERE s.user_id = p_user AND s.submitted_at > now() - interval '60 seconds';
        IF recent >= p_rate THEN
            RETURN QUERY SELECT 'rate_limited'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::integer,
                NULL::text, greatest(1, ceil(extract(epoch FROM oldest + interval '60 seconds' - now())))::integer;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY INSERT INTO submissions AS s (user_id, team_id, task_id, code, language_id, idempotency_key)
        VALUES (p_user, (SELECT u.team_id FROM users u WHERE u.id = p_user), p_task, p_code, p_language, p_key)
        ON CONFLICT (user_id, idempotency_key) DO NOTHING
        RETURNING 'created'::text, s.id, s.team_id,
            to_char(s.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), s.attempt, s.status, 0;
    IF NOT FOUND THEN
        -- Unlimited callers take no lock: a concurrent request with the same key won the INSERT.
        RETURN QUERY SELECT 'replay'::text, s.id, s.team_id, NULL::text, s.attempt, s.status, 0
            FROM submissions s WHERE s.user_id = p_user AND s.idempotency_key = p_key;
    END IF;
END $$;

-- Reserves one login attempt for an account from an address: records it as a failure (the caller
-- deletes the record when the password turns out right) and returns its id, or NULL when the
-- account or the address already has p_limit failures in the last 15 minutes.
CREATE FUNCTION solveit_login_attempt(p_username text, p_address text, p_limit integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k1 integer := hashtext('user:' || p_username);
    k2 integer := hashtext('addr:' || p_address);
    reserved bigint;
BEGIN
    -- Two locks, always taken in the same order: no deadlock between two such calls.
    PERFORM pg_advisory_xact_lock(1397048682, least(k1, k2));
    IF k1 <> k2 THEN
        PERFORM pg_advisory_xact_lock(1397048682, greatest(k1, k2));
    END IF;
    IF (SELECT count(*) FROM login_failures f
        WHERE f.username = p_username AND f.at > now() - interval '15 minutes') >= p_limit
       OR (SELECT count(*) FROM login_failures f
           WHERE f.address = p_address AND f.at > now() - interval '15 minutes') >= p_limit THEN
        RETURN NULL;
    END IF;
    INSERT INTO login_failures (username, address) VALUES (p_username, p_address) RETURNING id INTO reserved;
    RETURN reserved;
END $$;

-- ---- The caller's best score per task ------------------------------------------------------------
-- GET /api/tasks looks up the best completed submission of one user for each task: one index probe
-- per task instead of reading all of the user's submissions of it.
CREATE INDEX submissions_best_idx ON submissions (user_id, task_id, score DESC NULLS LAST, id DESC)
    WHERE status = 'completed';
