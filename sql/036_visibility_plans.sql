-- sql/029's two visibility checks, unchanged in meaning, as PL/pgSQL. A SQL function whose body has
-- a subquery (EXISTS) is never inlined into its caller, so PostgreSQL parsed and planned its body
-- again on every call: measured with pg_stat_statements under the submission bench, the visibility
-- test took 1.45 ms of solveit_submit's 5.0 ms per call, of which 0.46 ms ran the query itself.
-- A PL/pgSQL function keeps its query's plan for the connection's life.
CREATE OR REPLACE FUNCTION solveit_assignment_visible(p_assignment bigint, p_user bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM assignments a JOIN users u ON u.id = p_user
                   WHERE a.id = p_assignment
                     AND (u.is_staff OR a.visible_to_all
                          OR EXISTS (SELECT 1 FROM assignment_teams m
                                     WHERE m.assignment_id = a.id AND m.team_id = u.team_id)));
END $$;

CREATE OR REPLACE FUNCTION solveit_task_visible(p_task bigint, p_user bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (
        SELECT 1 FROM tasks t JOIN users u ON u.id = p_user
        WHERE t.id = p_task
          AND (u.is_staff
               OR (t.is_open AND NOT EXISTS (
                       SELECT 1 FROM assignment_tasks x JOIN assignments a ON a.id = x.assignment_id
                       WHERE x.task_id = t.id
                         AND (now() < a.opens_at OR NOT solveit_assignment_visible(a.id, p_user))))));
END $$;
