-- Issue 12 (staff task pages): a task's statement images, uploaded by staff through
-- /api/admin/tasks/{id}/assets and served to students by /api/tasks/{id}/assets/{name}.
-- task_assets and blobs are sql/022's; the module checks the name, the type and the size first.
-- An asset's change is audited on its task (object_type 'task'), the asset named in before/after.

-- An asset as the staff API shows it: no bytes, their size and hash.
CREATE FUNCTION solveit_admin_asset_json(p_task bigint, p_name text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('asset', a.name, 'name', a.name, 'kind', a.kind, 'content_type', a.content_type,
                              'sha256', a.sha256, 'size', b.size)
      FROM task_assets a JOIN blobs b ON b.sha256 = a.sha256
     WHERE a.task_id = p_task AND a.name = p_name;
$$;

-- The task's assets, NULL when there is no such task.
CREATE FUNCTION solveit_admin_assets(p_task bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('task_id', t.id, 'assets', COALESCE((
        SELECT jsonb_agg(solveit_admin_asset_json(a.task_id, a.name) - 'asset' ORDER BY a.name)
          FROM task_assets a WHERE a.task_id = t.id), '[]'::jsonb))
      FROM tasks t WHERE t.id = p_task;
$$;

-- Stores an image as the task's asset p_name, replacing one of that name (201 new, 200 replaced).
CREATE FUNCTION solveit_admin_asset_save(p_actor bigint, p_action text, p_task bigint, p_name text,
                                         p_content_type text, p_content bytea, OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old jsonb;
    h text;
BEGIN
    PERFORM 1 FROM tasks WHERE id = p_task FOR UPDATE;
    IF NOT FOUND THEN
        SELECT * INTO status, body FROM solveit_admin_error(404, format('task %s not found', p_task));
        RETURN;
    END IF;
    old := solveit_admin_asset_json(p_task, p_name);
    h := solveit_put_blob(p_content);
    INSERT INTO task_assets (task_id, name, kind, content_type, sha256)
        VALUES (p_task, p_name, 'statement', p_content_type, h)
        ON CONFLICT (task_id, name) DO UPDATE SET kind = 'statement', content_type = EXCLUDED.content_type,
            sha256 = EXCLUDED.sha256;
    PERFORM solveit_audit(p_actor, p_action, 'task', p_task, old, solveit_admin_asset_json(p_task, p_name));
    status := CASE WHEN old IS NULL THEN 201 ELSE 200 END;
    body := (solveit_admin_asset_json(p_task, p_name) - 'asset' || jsonb_build_object('task_id', p_task))::text;
END $$;

CREATE FUNCTION solveit_admin_asset_delete(p_actor bigint, p_action text, p_task bigint, p_name text,
                                           OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old jsonb := solveit_admin_asset_json(p_task, p_name);
BEGIN
    IF old IS NULL THEN
        SELECT * INTO status, body FROM solveit_admin_error(404,
            format('task %s has no asset named "%s"', p_task, p_name));
        RETURN;
    END IF;
    DELETE FROM task_assets WHERE task_id = p_task AND name = p_name;
    PERFORM solveit_audit(p_actor, p_action, 'task', p_task, old, NULL);
    status := 200;
    body := jsonb_build_object('task_id', p_task, 'name', p_name, 'deleted', true)::text;
END $$;
