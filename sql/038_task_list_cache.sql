-- Issue 16: GET /api/tasks near a static file's rate. The task list's statement cost a backend
-- 0.088-0.095 ms a run (bench/api-bench.sh, "PostgreSQL alone"), most of it planning and joining
-- the catalog and finding the caller's best score per task; the budget for 0.45x is about 0.03 ms.
-- Two things move out of the request's way:
--   * task_best: each user's best final score per task, kept by the triggers below whenever a
--     submission is stored, judged, rejudged, re-marked late or deleted, and whenever a late
--     penalty that applies to it changes;
--   * catalog_version: a counter bumped at the commit of every change to what the task list shows
--     of tasks and assignments. Each child of httpd keeps the catalog and reads it again only when
--     the counter moved (mod_solveit/solveit_catalog.c).
-- The request then runs one statement: the counter, the caller's team, the database's clock and
-- the caller's task_best rows.

-- ---- Best final scores ------------------------------------------------------------------------------
CREATE TABLE task_best (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id  bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    score    integer,           -- the final score (sql/030): a late one less its penalty
    verdict  text,
    PRIMARY KEY (user_id, task_id)
);
CREATE INDEX task_best_task_idx ON task_best (task_id);

-- The best completed submission of the user for the task by final score, the newest among
-- equals: the best on time and the best late one, each by its own index (sql/012, sql/035).
-- What the task list and the task page computed on every request until now. No row: the user has
-- no completed submission for the task.
CREATE FUNCTION solveit_best_final(p_user bigint, p_task bigint) RETURNS TABLE (score integer, verdict text)
LANGUAGE sql STABLE AS $$
    SELECT c.score, c.verdict FROM (
        (SELECT s.score, s.verdict, s.id FROM submissions s
          WHERE s.user_id = p_user AND s.task_id = p_task AND s.status = 'completed' AND NOT s.late
          ORDER BY s.score DESC NULLS LAST, s.id DESC LIMIT 1)
        UNION ALL
        (SELECT solveit_final_score(s.score, s.late, s.task_id), s.verdict, s.id FROM submissions s
          WHERE s.user_id = p_user AND s.task_id = p_task AND s.status = 'completed' AND s.late
          ORDER BY 1 DESC NULLS LAST, s.id DESC LIMIT 1)) c
    ORDER BY c.score DESC NULLS LAST, c.id DESC LIMIT 1;
$$;

-- Writes the pair's row from its submissions as they are now. The user's advisory lock comes
-- first and the best is read in a later statement, which in READ COMMITTED takes a new snapshot:
-- of two transactions judging the same user's submissions at once, the second to refresh sees
-- what the first committed, so neither leaves the other's result out. (No writer of submissions
-- runs at REPEATABLE READ or above; one that did could write a stale best.) A pair without a
-- completed submission has no row; nothing is inserted then, so a cascade deleting a user or a
-- task never meets a foreign key it just removed.
CREATE FUNCTION solveit_task_best_refresh(p_user bigint, p_task bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    b record;
BEGIN
    PERFORM pg_advisory_xact_lock(1397048683, (p_user % 2147483647)::integer);
    SELECT f.score, f.verdict INTO b FROM solveit_best_final(p_user, p_task) f;
    IF NOT FOUND THEN
        DELETE FROM task_best WHERE user_id = p_user AND task_id = p_task;
    ELSE
        INSERT INTO task_best (user_id, task_id, score, verdict) VALUES (p_user, p_task, b.score, b.verdict)
        ON CONFLICT (user_id, task_id) DO UPDATE SET score = EXCLUDED.score, verdict = EXCLUDED.verdict
         WHERE (task_best.score, task_best.verdict) IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.verdict);
    END IF;
END;
$$;

-- Every pair whose best a late penalty enters: the late completed submissions of the task.
CREATE FUNCTION solveit_task_best_refresh_late(p_task bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    u bigint;
BEGIN
    FOR u IN SELECT DISTINCT s.user_id FROM submissions s
              WHERE s.task_id = p_task AND s.status = 'completed' AND s.late ORDER BY 1 LOOP
        PERFORM solveit_task_best_refresh(u, p_task);
    END LOOP;
END;
$$;

CREATE FUNCTION solveit_task_best_submission() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM solveit_task_best_refresh(OLD.user_id, OLD.task_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR (NEW.user_id, NEW.task_id) <> (OLD.user_id, OLD.task_id)) THEN
        PERFORM solveit_task_best_refresh(NEW.user_id, NEW.task_id);
    END IF;
    RETURN NULL;
END;
$$;

-- Only what can change a best: a submission that is or was completed, with its status, score,
-- verdict or late mark changed. The judge's progress updates (status 'processing') pass by.
CREATE TRIGGER submissions_task_best_insert AFTER INSERT ON submissions
    FOR EACH ROW WHEN (NEW.status = 'completed') EXECUTE FUNCTION solveit_task_best_submission();
CREATE TRIGGER submissions_task_best_update AFTER UPDATE ON submissions
    FOR EACH ROW WHEN ((OLD.status = 'completed' OR NEW.status = 'completed')
                       AND (OLD.status, OLD.score, OLD.verdict, OLD.late, OLD.user_id, OLD.task_id)
                           IS DISTINCT FROM (NEW.status, NEW.score, NEW.verdict, NEW.late, NEW.user_id, NEW.task_id))
    EXECUTE FUNCTION solveit_task_best_submission();
CREATE TRIGGER submissions_task_best_delete AFTER DELETE ON submissions
    FOR EACH ROW WHEN (OLD.status = 'completed') EXECUTE FUNCTION solveit_task_best_submission();

-- The penalty of a task's late submissions is its assignment's (solveit_final_score): it changes
-- with the assignment's late_penalty and when the task joins or leaves an assignment.
CREATE FUNCTION solveit_task_best_penalty() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    t bigint;
BEGIN
    IF TG_TABLE_NAME = 'assignments' THEN
        FOR t IN SELECT x.task_id FROM assignment_tasks x WHERE x.assignment_id = NEW.id ORDER BY 1 LOOP
            PERFORM solveit_task_best_refresh_late(t);
        END LOOP;
        RETURN NULL;
    END IF;
    -- After the change: a refresh reads the penalty as it is now, so a task that only moved to
    -- another assignment is refreshed once.
    IF TG_OP <> 'INSERT' THEN
        PERFORM solveit_task_best_refresh_late(OLD.task_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.task_id <> OLD.task_id) THEN
        PERFORM solveit_task_best_refresh_late(NEW.task_id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER assignments_task_best AFTER UPDATE OF late_penalty ON assignments
    FOR EACH ROW WHEN (OLD.late_penalty <> NEW.late_penalty) EXECUTE FUNCTION solveit_task_best_penalty();
CREATE TRIGGER assignment_tasks_task_best AFTER INSERT OR DELETE OR UPDATE OF task_id, assignment_id
    ON assignment_tasks FOR EACH ROW EXECUTE FUNCTION solveit_task_best_penalty();

INSERT INTO task_best (user_id, task_id, score, verdict)
SELECT p.user_id, p.task_id, f.score, f.verdict
  FROM (SELECT DISTINCT user_id, task_id FROM submissions WHERE status = 'completed') p
 CROSS JOIN LATERAL solveit_best_final(p.user_id, p.task_id) f;

-- ---- The catalog's version --------------------------------------------------------------------------
CREATE TABLE catalog_version (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version   bigint NOT NULL
);
INSERT INTO catalog_version (version) VALUES (1);

-- Deferred to the commit and once per transaction: a package import that updates a task once per
-- test bumps the counter once, and holds the counter's row lock only while it commits. The new
-- version and the new catalog become visible together.
CREATE FUNCTION solveit_catalog_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('solveit.catalog_bumped', true) IS DISTINCT FROM 'on' THEN
        UPDATE catalog_version SET version = version + 1;
        PERFORM set_config('solveit.catalog_bumped', 'on', true);
    END IF;
    RETURN NULL;
END;
$$;

-- What the child keeps (solveit_catalog() below): a change to any other column (a
-- statement, a revision) leaves the counter alone. A column added to solveit_catalog() belongs
-- in these lists too.
CREATE CONSTRAINT TRIGGER tasks_catalog_write AFTER INSERT OR DELETE ON tasks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION solveit_catalog_changed();
CREATE CONSTRAINT TRIGGER tasks_catalog_update AFTER UPDATE ON tasks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.id, OLD.slug, OLD.title, OLD.time_limit_ms, OLD.memory_limit_kb, OLD.is_open, OLD.test_count,
           OLD.position)
          IS DISTINCT FROM (NEW.id, NEW.slug, NEW.title, NEW.time_limit_ms, NEW.memory_limit_kb, NEW.is_open,
                            NEW.test_count, NEW.position))
    EXECUTE FUNCTION solveit_catalog_changed();
CREATE CONSTRAINT TRIGGER assignments_catalog_write AFTER INSERT OR DELETE ON assignments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION solveit_catalog_changed();
CREATE CONSTRAINT TRIGGER assignments_catalog_update AFTER UPDATE ON assignments
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.id, OLD.opens_at, OLD.visible_to_all) IS DISTINCT FROM (NEW.id, NEW.opens_at, NEW.visible_to_all))
    EXECUTE FUNCTION solveit_catalog_changed();
CREATE CONSTRAINT TRIGGER assignment_tasks_catalog AFTER INSERT OR DELETE OR UPDATE ON assignment_tasks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION solveit_catalog_changed();
CREATE CONSTRAINT TRIGGER assignment_teams_catalog AFTER INSERT OR DELETE OR UPDATE ON assignment_teams
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION solveit_catalog_changed();

-- The catalog as a child keeps it (solveit_catalog.c reads the columns by position), in the list's
-- order, each row with the version it belongs to: read in one statement, the two agree. The
-- version is a subquery: the first form joined catalog_version, which PostgreSQL estimates at
-- thousands of rows until it has analysed it, and the plan was costed above jit_above_cost;
-- compiling it took 0.22 s of a backend's CPU, in every thread of a new child of httpd at once
-- (bench/api-bench.sh, graceful: 1,777 GET/s). JIT is off here as well, since a catalog of
-- thousands of tasks, each with its teams' subquery, could reach that cost by its own size.
CREATE FUNCTION solveit_catalog() RETURNS TABLE (
    version bigint, id bigint, slug text, title text, time_limit_ms integer, memory_limit_kb integer,
    is_open boolean, test_count integer, assignment_id bigint, opens_at_us bigint, visible_to_all boolean,
    teams text)
LANGUAGE sql STABLE SET jit = off AS $$
    SELECT (SELECT c.version FROM catalog_version c), t.id, t.slug, t.title, t.time_limit_ms, t.memory_limit_kb,
           t.is_open, t.test_count, x.assignment_id, (extract(epoch FROM a.opens_at) * 1000000)::bigint,
           a.visible_to_all,
           (SELECT string_agg(m.team_id::text, ' ' ORDER BY m.team_id) FROM assignment_teams m
             WHERE m.assignment_id = a.id)
      FROM tasks t LEFT JOIN assignment_tasks x ON x.task_id = t.id LEFT JOIN assignments a ON a.id = x.assignment_id
     ORDER BY t.position, t.id;
$$;
