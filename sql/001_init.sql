-- Solve-IT schema, version 1: the whole of DESIGN.md §3 "Database".
-- Applied by sql/migrate.sh inside one transaction, recorded in schema_migrations.

CREATE TABLE teams (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             bigserial PRIMARY KEY,
    username       text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 150),
    -- NULL for users provisioned from external authentication: they have no local password.
    password_hash  text,
    display_name   text NOT NULL DEFAULT '',
    is_staff       boolean NOT NULL DEFAULT false,
    is_active      boolean NOT NULL DEFAULT true,
    auth_source    text NOT NULL DEFAULT 'builtin' CHECK (auth_source IN ('builtin', 'external')),
    team_id        bigint REFERENCES teams (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz
);
CREATE INDEX users_team_idx ON users (team_id);

CREATE TABLE tasks (
    id               bigserial PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    statement_md     text NOT NULL DEFAULT '',
    time_limit_ms    integer NOT NULL DEFAULT 1000 CHECK (time_limit_ms BETWEEN 50 AND 60000),
    memory_limit_kb  integer NOT NULL DEFAULT 262144 CHECK (memory_limit_kb BETWEEN 4096 AND 4194304),
    -- Output checking (reference/judging-and-packages.md): the Kattis default validator or exact.
    checker          text NOT NULL DEFAULT 'default' CHECK (checker IN ('default', 'exact')),
    case_sensitive   boolean NOT NULL DEFAULT false,
    float_abs_tol    double precision CHECK (float_abs_tol IS NULL OR float_abs_tol >= 0),
    float_rel_tol    double precision CHECK (float_rel_tol IS NULL OR float_rel_tol >= 0),
    is_open          boolean NOT NULL DEFAULT true,
    position         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- Bumped whenever the task or its tests change; the judge's Redis cache keys on it.
    revision         integer NOT NULL DEFAULT 1,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tests (
    id               bigserial PRIMARY KEY,
    task_id          bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    "order"          integer NOT NULL,
    input            text NOT NULL DEFAULT '',
    expected_output  text NOT NULL DEFAULT '',
    weight           integer NOT NULL DEFAULT 1 CHECK (weight >= 0),
    is_sample        boolean NOT NULL DEFAULT false,
    UNIQUE (task_id, "order")
);

-- Any change to a task's tests bumps the task's revision, so no cache can serve stale tests.
CREATE FUNCTION solveit_bump_task_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE tasks SET revision = revision + 1, updated_at = now() WHERE id = OLD.task_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.task_id <> OLD.task_id) THEN
        UPDATE tasks SET revision = revision + 1, updated_at = now() WHERE id = NEW.task_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tests_bump_revision AFTER INSERT OR UPDATE OR DELETE ON tests
    FOR EACH ROW EXECUTE FUNCTION solveit_bump_task_revision();

CREATE FUNCTION solveit_bump_own_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.time_limit_ms, NEW.memory_limit_kb, NEW.checker, NEW.case_sensitive, NEW.float_abs_tol,
        NEW.float_rel_tol) IS DISTINCT FROM (OLD.time_limit_ms, OLD.memory_limit_kb, OLD.checker,
        OLD.case_sensitive, OLD.float_abs_tol, OLD.float_rel_tol) AND NEW.revision = OLD.revision THEN
        NEW.revision := OLD.revision + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tasks_bump_revision BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION solveit_bump_own_revision();

CREATE TABLE submissions (
    id                       bigserial PRIMARY KEY,
    user_id                  bigint NOT NULL REFERENCES users (id),
    team_id                  bigint REFERENCES teams (id) ON DELETE SET NULL,
    task_id                  bigint NOT NULL REFERENCES tasks (id),
    code                     text NOT NULL,
    language_id              integer NOT NULL,
    status                   text NOT NULL DEFAULT 'pending'
                             CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    verdict                  text CHECK (verdict IN ('AC', 'WA', 'TLE', 'MLE', 'RE', 'OLE', 'CE', 'PA')),
    score                    integer CHECK (score BETWEEN 0 AND 100),
    attempt                  integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    submitted_at             timestamptz NOT NULL DEFAULT now(),
    kafka_sent_at            timestamptz,
    processing_started_at    timestamptz,
    processing_completed_at  timestamptz,
    execution_time           double precision,
    memory_used              integer,
    passed_tests             integer,
    total_tests              integer,
    -- Progress while processing: tests finished so far ("test k of n").
    tests_done               integer NOT NULL DEFAULT 0,
    test_results             jsonb NOT NULL DEFAULT '[]'::jsonb,
    compiler_output          text NOT NULL DEFAULT '',
    error_message            text NOT NULL DEFAULT '',
    -- A client token making a repeated POST return the same submission.
    idempotency_key          text CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX submissions_user_idx ON submissions (user_id, id DESC);
CREATE INDEX submissions_task_user_idx ON submissions (task_id, user_id);
-- The sweeper's work lists: never confirmed by Kafka, and stuck in processing.
CREATE INDEX submissions_unsent_idx ON submissions (submitted_at) WHERE kafka_sent_at IS NULL AND status = 'pending';
CREATE INDEX submissions_processing_idx ON submissions (processing_started_at) WHERE status = 'processing';

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token (hex); the token itself is never stored.
    token_hash    text PRIMARY KEY CHECK (length(token_hash) = 64),
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    remote_addr   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
