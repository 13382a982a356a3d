-- Issue 11 (DESIGN.md §7): task types, test groups, every default-validator flag, custom and
-- interactive validators, per-task limits, and test data as bytes stored once by SHA-256.
-- Today's tasks keep judging as before: they become 'scoring' tasks without groups, whose score is
-- the weighted share of passed tests, and their text tests move into blobs unchanged.

-- ---- Content-addressed bytes ----------------------------------------------------------------------
-- Test inputs and answers, validator files and statement assets. Identical files are stored once.
-- EXTERNAL storage: not compressed, so a reader can fetch a large file in slices (substring on an
-- uncompressed TOAST value reads only the slice).
CREATE TABLE blobs (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size        bigint NOT NULL CHECK (size >= 0),
    content     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (octet_length(content) = size)
);
ALTER TABLE blobs ALTER COLUMN content SET STORAGE EXTERNAL;

-- Stores bytes and answers their hash; storing the same bytes again changes nothing.
CREATE FUNCTION solveit_put_blob(p_content bytea) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    h text := encode(sha256(p_content), 'hex');
BEGIN
    INSERT INTO blobs (sha256, size, content) VALUES (h, octet_length(p_content), p_content)
        ON CONFLICT (sha256) DO NOTHING;
    RETURN h;
END $$;

-- ---- Tasks ------------------------------------------------------------------------------------------
ALTER TABLE tasks DROP CONSTRAINT tasks_checker_check;
ALTER TABLE tasks
    -- 'pass-fail': the first test that is not AC decides, score 100 or 0; 'scoring': points from groups.
    ADD COLUMN type text NOT NULL DEFAULT 'scoring' CHECK (type IN ('pass-fail', 'scoring')),
    -- pass-fail: judge every test even after a failure (default: stop at the first).
    ADD COLUMN judge_all boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT tasks_checker_check CHECK (checker IN ('default', 'exact', 'custom', 'interactive')),
    ADD COLUMN space_change_sensitive boolean NOT NULL DEFAULT false,
    -- Extra argv words for the output validator (Kattis validator_flags), for custom and interactive
    -- validators; the default validator's flags are the columns above.
    ADD COLUMN validator_flags text NOT NULL DEFAULT '' CHECK (length(validator_flags) <= 1000),
    -- custom and interactive: the validator's main source file, its language (Judge0 id) and its file name.
    ADD COLUMN validator_language_id integer,
    ADD COLUMN validator_source text,
    ADD COLUMN validator_file_name text CHECK (validator_file_name IS NULL OR validator_file_name ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'),
    ADD CONSTRAINT tasks_validator_present CHECK (checker IN ('default', 'exact')
        OR (validator_language_id IS NOT NULL AND validator_source IS NOT NULL)),
    -- Limits besides time_limit_ms (CPU, the primary limit) and memory_limit_kb. NULL: the judge's
    -- default (wall: 2 x CPU + 1 s; output: 8 MiB; compile: 10 s CPU, 1 GiB).
    ADD COLUMN wall_limit_ms integer CHECK (wall_limit_ms IS NULL OR wall_limit_ms BETWEEN 50 AND 300000),
    ADD COLUMN output_limit_kb integer CHECK (output_limit_kb IS NULL OR output_limit_kb BETWEEN 1 AND 1048576),
    ADD COLUMN compile_time_limit_ms integer CHECK (compile_time_limit_ms IS NULL OR compile_time_limit_ms BETWEEN 1000 AND 300000),
    ADD COLUMN compile_memory_limit_kb integer CHECK (compile_memory_limit_kb IS NULL OR compile_memory_limit_kb BETWEEN 65536 AND 8388608),
    -- {"62": 2.0}: the CPU and wall limits of a language (Judge0 id) multiplied by its factor.
    ADD COLUMN language_time_factors jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(language_time_factors) = 'object'),
    -- Where time_limit_ms comes from: 'fixed' (given), or 'computed' by solveit-admin verify from the
    -- package's accepted submissions: max(1 s, slowest x time_multiplier), checked with time_safety_margin.
    ADD COLUMN time_limit_source text NOT NULL DEFAULT 'fixed' CHECK (time_limit_source IN ('fixed', 'computed', 'pending')),
    ADD COLUMN time_multiplier double precision NOT NULL DEFAULT 5 CHECK (time_multiplier >= 1),
    ADD COLUMN time_safety_margin double precision NOT NULL DEFAULT 2 CHECK (time_safety_margin >= 1),
    -- Package provenance: the problem.yaml uuid (re-imports match on it, else on slug).
    ADD COLUMN package_uuid text,
    ADD COLUMN package_format text;
CREATE UNIQUE INDEX tasks_package_uuid_idx ON tasks (package_uuid) WHERE package_uuid IS NOT NULL;

-- Extra files of a custom or interactive validator (headers such as validate.h, testlib.h), written
-- next to its main source before it is compiled.
CREATE TABLE task_validator_files (
    task_id  bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    name     text NOT NULL CHECK (name ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$'),
    sha256   text NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (task_id, name)
);

-- Files of the statement (images) and attachments, served with the task.
CREATE TABLE task_assets (
    task_id       bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$'),
    kind          text NOT NULL DEFAULT 'statement' CHECK (kind IN ('statement', 'attachment')),
    content_type  text NOT NULL DEFAULT 'application/octet-stream',
    sha256        text NOT NULL REFERENCES blobs (sha256),
    PRIMARY KEY (task_id, name)
);

-- ---- Test groups ----------------------------------------------------------------------------------
-- A task's groups form a tree by parent_id ('sample', 'secret', 'secret/group1', ...). A test without
-- a group, and a group without a parent, belong to the task's root, which sums its children.
-- A test's score is its weight when accepted, 0 otherwise (or the custom validator's score.txt). A
-- group's score aggregates its children (tests and subgroups): sum, avg, min or max of their scores;
-- all-or-nothing: the sum of its children's maximum when all are accepted, else 0. With points set,
-- the group's score is scaled to points (score / max x points), so its maximum is points.
CREATE TABLE test_groups (
    id           bigserial PRIMARY KEY,
    task_id      bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    parent_id    bigint REFERENCES test_groups (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (name ~ '^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$'),
    position     integer NOT NULL DEFAULT 0,
    aggregation  text NOT NULL DEFAULT 'sum' CHECK (aggregation IN ('sum', 'avg', 'min', 'max', 'all-or-nothing')),
    points       double precision CHECK (points IS NULL OR points >= 0),
    -- 'break': stop judging the group at its first test that is not AC; 'continue': judge all.
    on_reject    text NOT NULL DEFAULT 'continue' CHECK (on_reject IN ('break', 'continue')),
    -- Extra validator argv words for this group's tests (Kattis output_validator_flags), after the task's.
    validator_flags text NOT NULL DEFAULT '' CHECK (length(validator_flags) <= 1000),
    UNIQUE (task_id, name)
);
CREATE INDEX test_groups_task_idx ON test_groups (task_id, position);

-- ---- Tests ----------------------------------------------------------------------------------------
-- input and expected_output stay as a way to write UTF-8 text tests (the demo data, hand-written
-- SQL): a trigger moves them into blobs and leaves them ''. Readers use the hashes.
ALTER TABLE tests
    ADD COLUMN group_id bigint REFERENCES test_groups (id) ON DELETE SET NULL,
    ADD COLUMN input_sha256 text REFERENCES blobs (sha256),
    ADD COLUMN answer_sha256 text REFERENCES blobs (sha256),
    ADD COLUMN name text NOT NULL DEFAULT '' CHECK (length(name) <= 255),
    ALTER COLUMN weight TYPE double precision,
    ADD CONSTRAINT tests_weight_finite CHECK (weight >= 0 AND weight < 1e9);
CREATE INDEX tests_group_idx ON tests (group_id);
CREATE INDEX tests_input_blob_idx ON tests (input_sha256);
CREATE INDEX tests_answer_blob_idx ON tests (answer_sha256);

CREATE FUNCTION solveit_tests_to_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.input <> '' OR NEW.input_sha256 IS NULL THEN
        NEW.input_sha256 := solveit_put_blob(convert_to(NEW.input, 'UTF8'));
        NEW.input := '';
    END IF;
    IF NEW.expected_output <> '' OR NEW.answer_sha256 IS NULL THEN
        NEW.answer_sha256 := solveit_put_blob(convert_to(NEW.expected_output, 'UTF8'));
        NEW.expected_output := '';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tests_to_blobs BEFORE INSERT OR UPDATE ON tests
    FOR EACH ROW EXECUTE FUNCTION solveit_tests_to_blobs();

UPDATE tests SET input = input;
ALTER TABLE tests ALTER COLUMN input_sha256 SET NOT NULL, ALTER COLUMN answer_sha256 SET NOT NULL;

-- Bytes no test, validator or asset refers to any more are removed with the last reference.
CREATE FUNCTION solveit_drop_unused_blobs(p_hashes text[]) RETURNS void LANGUAGE sql VOLATILE AS $$
    DELETE FROM blobs b WHERE b.sha256 = ANY (p_hashes)
        AND NOT EXISTS (SELECT 1 FROM tests t WHERE t.input_sha256 = b.sha256 OR t.answer_sha256 = b.sha256)
        AND NOT EXISTS (SELECT 1 FROM task_validator_files v WHERE v.sha256 = b.sha256)
        AND NOT EXISTS (SELECT 1 FROM task_assets a WHERE a.sha256 = b.sha256);
$$;
CREATE FUNCTION solveit_tests_drop_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM solveit_drop_unused_blobs(ARRAY[OLD.input_sha256, OLD.answer_sha256]);
    RETURN NULL;
END $$;
CREATE TRIGGER tests_drop_blobs AFTER DELETE ON tests
    FOR EACH ROW EXECUTE FUNCTION solveit_tests_drop_blobs();

-- ---- Revisions ------------------------------------------------------------------------------------
-- Every column that changes how a submission is judged bumps the revision (the judge's caches key on
-- it); so do group changes, like test changes. One transaction moves a task's revision once, however
-- many rows it changes (a package import replaces hundreds of tests): nobody else sees the steps in
-- between, and each step would be one more NOTIFY for every worker. A transaction-local setting
-- per task remembers that it was moved.
CREATE FUNCTION solveit_revision_moved(p_task bigint) RETURNS boolean LANGUAGE sql VOLATILE AS $$
    SELECT coalesce(current_setting('solveit.revision_moved_' || p_task, true), '') = txid_current()::text;
$$;
CREATE FUNCTION solveit_mark_revision_moved(p_task bigint) RETURNS void LANGUAGE sql VOLATILE AS $$
    SELECT set_config('solveit.revision_moved_' || p_task, txid_current()::text, true);
$$;

CREATE OR REPLACE FUNCTION solveit_bump_task_revision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    task bigint;
BEGIN
    FOREACH task IN ARRAY ARRAY[CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN OLD.task_id END,
                                CASE WHEN TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.task_id <> OLD.task_id)
                                     THEN NEW.task_id END] LOOP
        IF task IS NOT NULL AND NOT solveit_revision_moved(task) THEN
            UPDATE tasks SET revision = revision + 1, updated_at = now() WHERE id = task;
            PERFORM solveit_mark_revision_moved(task);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION solveit_bump_own_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.revision <> OLD.revision THEN
        PERFORM solveit_mark_revision_moved(NEW.id);
        RETURN NEW;
    END IF;
    IF (NEW.time_limit_ms, NEW.memory_limit_kb, NEW.checker, NEW.case_sensitive, NEW.float_abs_tol,
        NEW.float_rel_tol, NEW.type, NEW.judge_all, NEW.space_change_sensitive, NEW.validator_flags,
        NEW.validator_language_id, NEW.validator_source, NEW.validator_file_name, NEW.wall_limit_ms,
        NEW.output_limit_kb, NEW.compile_time_limit_ms, NEW.compile_memory_limit_kb,
        NEW.language_time_factors)
       IS DISTINCT FROM
       (OLD.time_limit_ms, OLD.memory_limit_kb, OLD.checker, OLD.case_sensitive, OLD.float_abs_tol,
        OLD.float_rel_tol, OLD.type, OLD.judge_all, OLD.space_change_sensitive, OLD.validator_flags,
        OLD.validator_language_id, OLD.validator_source, OLD.validator_file_name, OLD.wall_limit_ms,
        OLD.output_limit_kb, OLD.compile_time_limit_ms, OLD.compile_memory_limit_kb,
        OLD.language_time_factors)
       AND NOT solveit_revision_moved(NEW.id) THEN
        NEW.revision := OLD.revision + 1;
        NEW.updated_at := now();
        PERFORM solveit_mark_revision_moved(NEW.id);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_groups_bump_revision AFTER INSERT OR UPDATE OR DELETE ON test_groups
    FOR EACH ROW EXECUTE FUNCTION solveit_bump_task_revision();
CREATE TRIGGER task_validator_files_bump_revision AFTER INSERT OR UPDATE OR DELETE ON task_validator_files
    FOR EACH ROW EXECUTE FUNCTION solveit_bump_task_revision();

-- ---- Results --------------------------------------------------------------------------------------
-- score stays 0..100; points and max_points are the exact figures; group_results the groups' own.
ALTER TABLE submissions
    ADD COLUMN points double precision,
    ADD COLUMN max_points double precision,
    ADD COLUMN group_results jsonb NOT NULL DEFAULT '[]'::jsonb;

-- ---- A package's own submissions, for solveit-admin verify -----------------------------------------
-- expected: the verdicts the package permits for it ({AC} for accepted/, {WA} for wrong_answer/,
-- DOMjudge's @EXPECTED_RESULTS@ list, ...); expected_score: for partially_accepted and scored ones.
CREATE TABLE task_package_submissions (
    id              bigserial PRIMARY KEY,
    task_id         bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    path            text NOT NULL CHECK (length(path) BETWEEN 1 AND 500),
    expected        text[] NOT NULL,
    expected_score  double precision,
    language_id     integer NOT NULL,
    code            text NOT NULL,
    UNIQUE (task_id, path)
);

-- A submission made by solveit-admin verify for one of those (never ranked: made by a staff account).
ALTER TABLE submissions
    ADD COLUMN package_submission_id bigint REFERENCES task_package_submissions (id) ON DELETE SET NULL;
CREATE INDEX submissions_package_idx ON submissions (package_submission_id) WHERE package_submission_id IS NOT NULL;
