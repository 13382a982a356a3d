-- Tell listening judge-workers at once when a task's revision moves (a change to its limits,
-- checker or tests), so their cache stops using the old tests without waiting for their scan.
-- Submissions also carry the revision they were made against (task_revision in the message).
CREATE FUNCTION solveit_notify_task_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.revision IS DISTINCT FROM OLD.revision THEN
        PERFORM pg_notify('solveit_task_revision', NEW.id || ':' || NEW.revision);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_notify_revision AFTER UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION solveit_notify_task_revision();
