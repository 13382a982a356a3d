-- Issue 13: "Run on the samples" (doc/courses-and-contests.md). A run is judged on the task's sample
-- tests only, by the judge-worker, after every waiting submission; it is never a submission: no
-- submissions row, no score, no leaderboard. Runs are kept a day.

CREATE TABLE sample_runs (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id         bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    code            text NOT NULL,
    language_id     integer NOT NULL,
    -- tasks.revision when the run was stored: the judge uses no cached tests older than it.
    task_revision   integer NOT NULL,
    -- Travels in the run message and back in its result: a result for this run must carry it, so a
    -- forged result (or one for another run) changes nothing.
    token           uuid NOT NULL DEFAULT gen_random_uuid(),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed')),
    verdict         text CHECK (verdict IN ('AC', 'WA', 'TLE', 'MLE', 'RE', 'OLE', 'CE', 'PA')),
    -- [{order, name, verdict, time, memory, exit_code, input, expected, output, stderr,
    --   input_truncated, expected_truncated, output_truncated, stderr_truncated}], as the API shows it
    tests           jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tests) = 'array'),
    compiler_output text NOT NULL DEFAULT '',
    error_message   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CHECK ((status = 'pending') = (finished_at IS NULL))
);
CREATE INDEX sample_runs_user_idx ON sample_runs (user_id, created_at);
CREATE INDEX sample_runs_created_idx ON sample_runs (created_at);

-- Stores a run unless the caller may not see the task, the task has no samples or the caller is
-- over its rate (p_rate a minute; 0 = unlimited), counted under a per-user advisory lock as
-- solveit_submit (sql/012) does. Runs older than a day go on the way.
-- Advisory lock key: (1397048683, user id) a user's sample runs.
-- r_outcome: 'created', 'no_task' (unknown or not visible to the user), 'no_samples',
-- 'rate_limited' (r_retry_after seconds until a slot frees up).
CREATE FUNCTION solveit_sample_run_create(p_user bigint, p_task bigint, p_code text, p_language integer,
                                          p_rate integer)
RETURNS TABLE (r_outcome text, r_id bigint, r_token text, r_task_revision integer, r_retry_after integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    recent integer;
    oldest timestamptz;
BEGIN
    IF NOT solveit_task_visible(p_task, p_user) THEN
        RETURN QUERY SELECT 'no_task'::text, NULL::bigint, NULL::text, NULL::integer, 0;
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM tests x WHERE x.task_id = p_task AND x.is_sample) THEN
        RETURN QUERY SELECT 'no_samples'::text, NULL::bigint, NULL::text, NULL::integer, 0;
        RETURN;
    END IF;
    IF p_rate > 0 THEN
        PERFORM pg_advisory_xact_lock(1397048683, (p_user % 2147483647)::integer);
        SELECT count(*), min(s.created_at) INTO recent, oldest
            FROM sample_runs s WHERE s.user_id = p_user AND s.created_at > now() - interval '60 seconds';
        IF recent >= p_rate THEN
            RETURN QUERY SELECT 'rate_limited'::text, NULL::bigint, NULL::text, NULL::integer,
                greatest(1, ceil(extract(epoch FROM oldest + interval '60 seconds' - now())))::integer;
            RETURN;
        END IF;
    END IF;
    DELETE FROM sample_runs s WHERE s.created_at < now() - interval '1 day';
    RETURN QUERY INSERT INTO sample_runs AS s (user_id, task_id, code, language_id, task_revision)
        VALUES (p_user, p_task, p_code, p_language, (SELECT t.revision FROM tasks t WHERE t.id = p_task))
        RETURNING 'created'::text, s.id, s.token::text, s.task_revision, 0;
END $$;

-- Applies a run's result when the stored row is that run and still waiting for it: the id, the
-- token, the user and the task must all be the stored ones. Anything else (a forged result, one
-- for another run, a second result for a finished run) changes nothing. Returns 'applied' or
-- 'ignored'.
CREATE FUNCTION solveit_sample_run_finish(p_id bigint, p_token text, p_user bigint, p_task bigint, p_status text,
                                          p_verdict text, p_tests jsonb, p_compiler_output text,
                                          p_error_message text)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    UPDATE sample_runs s
       SET status = p_status,
           verdict = CASE WHEN p_status = 'completed' THEN p_verdict END,
           tests = CASE WHEN jsonb_typeof(p_tests) = 'array' THEN p_tests ELSE '[]'::jsonb END,
           compiler_output = COALESCE(p_compiler_output, ''),
           error_message = COALESCE(p_error_message, ''),
           finished_at = now()
     WHERE s.id = p_id AND s.token::text = p_token AND s.user_id = p_user AND s.task_id = p_task
       AND s.status = 'pending' AND p_status IN ('completed', 'failed');
    RETURN CASE WHEN FOUND THEN 'applied' ELSE 'ignored' END;
END $$;
