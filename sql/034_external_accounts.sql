-- mod_solveit, SolveitAuth external (issue 15): the web server's user (mod_authnz_ldap,
-- Shibboleth, ...) as an account, in one statement.
--  * Provisioned on first sight (auth_source 'external', no password).
--  * Never a built-in account: a password account of the same name is returned as it is, with
--    auth_source 'builtin', and the module refuses the request. Nothing of it changes here.
--  * With p_sync (SolveitStaffFrom is set) the staff flag of an external account follows p_staff,
--    what the directory says now; each change is recorded in staff_audit with the actor
--    "SolveitStaffFrom". Without it p_staff is only the flag a new account starts with.
-- Returns the account with its team and whether this call created it or changed its staff flag.
CREATE FUNCTION solveit_external_user(p_username text, p_staff boolean, p_sync boolean)
RETURNS TABLE (id bigint, username text, is_staff boolean, team_id bigint, team text, is_active boolean,
               auth_source text, provisioned boolean, staff_changed boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_id bigint;
    v_new bigint;
    v_was boolean;
    v_source text;
BEGIN
    INSERT INTO users (username, password_hash, is_staff, auth_source)
    VALUES (p_username, NULL, p_staff, 'external')
    ON CONFLICT ON CONSTRAINT users_username_key DO NOTHING
    RETURNING users.id INTO v_new;
    -- The row lock orders two first requests of one user (or a sync racing an admin's change).
    SELECT u.id, u.is_staff, u.auth_source INTO v_id, v_was, v_source
      FROM users u WHERE u.username = p_username FOR UPDATE;
    IF p_sync AND v_source = 'external' AND v_was IS DISTINCT FROM p_staff THEN
        UPDATE users u SET is_staff = p_staff WHERE u.id = v_id;
        INSERT INTO staff_audit (actor_id, actor_name, action, object_type, object_id, before, after)
        VALUES (NULL, 'SolveitStaffFrom', CASE WHEN p_staff THEN 'promote' ELSE 'demote' END, 'user', v_id,
                jsonb_build_object('is_staff', v_was), jsonb_build_object('is_staff', p_staff));
    END IF;
    RETURN QUERY
        SELECT u.id, u.username, u.is_staff, u.team_id, tm.name, u.is_active, u.auth_source, v_new IS NOT NULL,
               v_new IS NULL AND u.is_staff IS DISTINCT FROM v_was
          FROM users u LEFT JOIN teams tm ON tm.id = u.team_id
         WHERE u.id = v_id;
END $$;
