-- Issue 13: assignments (a course's weekly sets of tasks with deadlines) and contests (an
-- assignment scored ICPC-style). Only the tables live here; the functions that read and change
-- them are in the later migrations of issue 13 (030 assignments, 031 contests). All times are
-- timestamptz, written and read by the API as ISO 8601 UTC.
--
-- A task belongs to at most one assignment (the UNIQUE below): its deadline, its late penalty and
-- who may see it then follow from the task alone. A task wanted in two assignments is imported
-- twice, under two slugs.

CREATE TABLE assignments (
    id            bigserial PRIMARY KEY,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    position      integer NOT NULL DEFAULT 0,
    -- Before opens_at its tasks are invisible to students; from due_at a submission is late; from
    -- closes_at (due_at when NULL: no late window) submissions are refused.
    opens_at      timestamptz NOT NULL,
    due_at        timestamptz NOT NULL,
    closes_at     timestamptz,
    -- Percent taken off a late submission's score (0: late submissions lose nothing).
    late_penalty  integer NOT NULL DEFAULT 0 CHECK (late_penalty BETWEEN 0 AND 100),
    -- false: only the teams of assignment_teams see it.
    visible_to_all boolean NOT NULL DEFAULT true,
    -- A contest: an ICPC scoreboard from opens_at to due_at, frozen for students from freeze_at
    -- until staff unfreeze it (unfrozen_at).
    contest       boolean NOT NULL DEFAULT false,
    freeze_at     timestamptz,
    unfrozen_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assignments_due_after_open CHECK (due_at > opens_at),
    CONSTRAINT assignments_close_after_due CHECK (closes_at IS NULL OR closes_at >= due_at),
    CONSTRAINT assignments_contest_no_late CHECK (NOT contest OR (closes_at IS NULL AND late_penalty = 0)),
    CONSTRAINT assignments_freeze_in_contest
        CHECK (freeze_at IS NULL OR (contest AND freeze_at > opens_at AND freeze_at <= due_at))
);

CREATE TABLE assignment_tasks (
    assignment_id  bigint NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    task_id        bigint NOT NULL UNIQUE REFERENCES tasks (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    PRIMARY KEY (assignment_id, task_id),
    UNIQUE (assignment_id, position)
);

CREATE TABLE assignment_teams (
    assignment_id  bigint NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    team_id        bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (assignment_id, team_id)
);
CREATE INDEX assignment_teams_team_idx ON assignment_teams (team_id);

-- Whether a submission came after its assignment's due_at: set when it is stored and again when
-- staff move the deadline (030), so a late mark and its penalty always follow the current one.
ALTER TABLE submissions ADD COLUMN late boolean NOT NULL DEFAULT false;

-- What every part of issue 13 asks of an assignment and a task (the API's contract is
-- doc/courses-and-contests.md). now() is the database's clock, the one submitted_at is written by.

-- upcoming, open, late or closed.
CREATE FUNCTION solveit_assignment_state(a assignments) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN now() < a.opens_at THEN 'upcoming'
                WHEN now() < a.due_at THEN 'open'
                WHEN now() < COALESCE(a.closes_at, a.due_at) THEN 'late'
                ELSE 'closed' END
$$;

-- Whether the user sees the assignment at all (its title and times): staff always, a student when
-- it is for everyone or for their team.
CREATE FUNCTION solveit_assignment_visible(p_assignment bigint, p_user bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM assignments a JOIN users u ON u.id = p_user
                   WHERE a.id = p_assignment
                     AND (u.is_staff OR a.visible_to_all
                          OR EXISTS (SELECT 1 FROM assignment_teams m
                                     WHERE m.assignment_id = a.id AND m.team_id = u.team_id)))
$$;

-- Whether the user may see the task (statement, samples, images, clarifications, runs): staff
-- always; a student when it is open and its assignment, if it has one, is visible to them and has
-- opened. Whether a submission is still taken is the assignment's state, a separate question.
CREATE FUNCTION solveit_task_visible(p_task bigint, p_user bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM tasks t JOIN users u ON u.id = p_user
        WHERE t.id = p_task
          AND (u.is_staff
               OR (t.is_open AND NOT EXISTS (
                       SELECT 1 FROM assignment_tasks x JOIN assignments a ON a.id = x.assignment_id
                       WHERE x.task_id = t.id
                         AND (now() < a.opens_at OR NOT solveit_assignment_visible(a.id, p_user))))))
$$;
