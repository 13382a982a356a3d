-- Issue 12: site settings, changed by staff from the settings page (PUT /api/admin/settings) or
-- with `solveit-admin settings KEY VALUE`, never with SQL. Each setting is one row that also holds
-- its kind and allowed values, so the database refuses an unknown key or a bad value whoever
-- writes it (a CHECK on the row), and a later setting is one INSERT below. Readers take
-- solveit_setting(key): the stored value, or the default while none is stored. A change is
-- read by the next request: nothing caches a setting.

-- Why p_value cannot be the setting's value (a message naming the setting), or NULL when it can.
CREATE FUNCTION solveit_setting_problem(p_key text, p_kind text, p_choices text[], p_min bigint, p_max bigint,
                                        p_value jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    t text := jsonb_typeof(p_value);
BEGIN
    IF p_kind = 'choice' THEN
        IF t = 'string' AND p_value #>> '{}' = ANY (p_choices) THEN
            RETURN NULL;
        END IF;
        RETURN format('%s must be one of %s (got %s)', p_key, array_to_string(p_choices, ', '), p_value::text);
    ELSIF p_kind = 'boolean' THEN
        IF t = 'boolean' THEN
            RETURN NULL;
        END IF;
        RETURN format('%s must be true or false (got %s)', p_key, p_value::text);
    ELSIF p_kind = 'integer' THEN
        IF t = 'number' AND (p_value #>> '{}')::numeric = trunc((p_value #>> '{}')::numeric)
           AND (p_value #>> '{}')::numeric BETWEEN COALESCE(p_min, -9007199254740991) AND COALESCE(p_max, 9007199254740991) THEN
            RETURN NULL;
        END IF;
        RETURN format('%s must be an integer from %s to %s (got %s)', p_key, COALESCE(p_min, -9007199254740991),
                      COALESCE(p_max, 9007199254740991), p_value::text);
    ELSIF p_kind = 'text' THEN
        IF t = 'string' AND length(p_value #>> '{}') <= COALESCE(p_max, 10000) THEN
            RETURN NULL;
        END IF;
        RETURN format('%s must be a text of at most %s characters', p_key, COALESCE(p_max, 10000));
    END IF;
    RETURN format('%s has an unknown kind %s', p_key, p_kind);
END $$;

CREATE TABLE settings (
    key            text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    kind           text NOT NULL CHECK (kind IN ('choice', 'boolean', 'integer', 'text')),
    choices        text[] CHECK ((kind = 'choice') = (choices IS NOT NULL)),
    min_value      bigint, -- integer: the smallest value
    max_value      bigint, -- integer: the largest value; text: the longest
    default_value  jsonb NOT NULL,
    value          jsonb, -- NULL: the default
    description    text NOT NULL,
    position       integer NOT NULL DEFAULT 0,
    updated_at     timestamptz,
    CONSTRAINT settings_default_valid
        CHECK (solveit_setting_problem(key, kind, choices, min_value, max_value, default_value) IS NULL),
    CONSTRAINT settings_value_valid
        CHECK (value IS NULL OR solveit_setting_problem(key, kind, choices, min_value, max_value, value) IS NULL)
);

-- The settings, one line each (issue 13/15 add theirs in their own migrations the same way).
INSERT INTO settings (key, kind, choices, default_value, position, description) VALUES
    ('leaderboard_visibility', 'choice', '{public,anonymised,staff,off}', '"public"', 10,
     'Who sees the leaderboard: public (every signed-in user), anonymised (students see only their own name), '
     'staff (staff only) or off (nobody). Staff accounts are never ranked.');

CREATE FUNCTION solveit_setting(p_key text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT COALESCE(value, default_value) FROM settings WHERE key = p_key;
$$;

-- A value typed on a command line as JSON of the setting's kind: 'true'/'false' for a boolean,
-- digits for an integer, the text itself otherwise (a bad one is then refused by its check).
CREATE FUNCTION solveit_setting_from_text(p_key text, p_text text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN s.kind = 'boolean' AND lower(p_text) IN ('true', 'on', 'yes', '1') THEN 'true'::jsonb
        WHEN s.kind = 'boolean' AND lower(p_text) IN ('false', 'off', 'no', '0') THEN 'false'::jsonb
        WHEN s.kind = 'integer' AND p_text ~ '^-?[0-9]{1,16}$' THEN to_jsonb(p_text::bigint)
        ELSE to_jsonb(p_text) END
      FROM (SELECT NULL) x LEFT JOIN settings s ON s.key = p_key;
$$;

-- The key of the anonymised leaderboard's labels ("Participant 3F9A2C1B"): a label is a keyed hash
-- of the account's id, the same on every request and telling nothing about who it is. Never
-- shown; replacing it gives everyone new labels.
CREATE TABLE leaderboard_label_key (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    secret  text NOT NULL DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
);
INSERT INTO leaderboard_label_key DEFAULT VALUES;

-- ---- The staff API and solveit-admin -------------------------------------------------------------
ALTER TABLE staff_audit DROP CONSTRAINT staff_audit_object_type_check;
ALTER TABLE staff_audit ADD CONSTRAINT staff_audit_object_type_check
    CHECK (object_type IN ('task', 'test', 'tests', 'submissions', 'user', 'users', 'team', 'settings'));

CREATE FUNCTION solveit_admin_settings_json() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('settings', COALESCE(jsonb_agg(jsonb_build_object(
               'key', s.key, 'kind', s.kind, 'value', COALESCE(s.value, s.default_value),
               'default', s.default_value, 'is_default', s.value IS NULL, 'choices', to_jsonb(s.choices),
               'min', s.min_value, 'max', s.max_value, 'description', s.description,
               'updated_at', s.updated_at) ORDER BY s.position, s.key), '[]'::jsonb))
      FROM settings s;
$$;

-- Sets the settings of p_fields ({"key": value, ...}; null puts a setting back to its default), all
-- or none, with one audit row of the values before and after (only when one changed). p_actor_name
-- names a caller without an account (solveit-admin). Answers the settings as
-- solveit_admin_settings_json() does, plus "changed": the keys whose value moved.
CREATE FUNCTION solveit_admin_settings_save(p_actor bigint, p_action text, p_fields jsonb,
                                            p_actor_name text DEFAULT NULL, OUT status integer, OUT body text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k text;
    v jsonb;
    s settings;
    problem text;
    before jsonb := '{}';
    after jsonb := '{}';
BEGIN
    IF p_fields IS NULL OR jsonb_typeof(p_fields) <> 'object' OR p_fields = '{}' THEN
        SELECT * INTO status, body FROM solveit_admin_error(400,
            'send an object of settings to change, e.g. {"leaderboard_visibility": "anonymised"}');
        RETURN;
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(p_fields) ORDER BY 1 LOOP
        SELECT * INTO s FROM settings WHERE key = k FOR UPDATE;
        IF NOT FOUND THEN
            SELECT * INTO status, body FROM solveit_admin_error(400, format('unknown setting "%s" (the settings are: %s)',
                k, (SELECT string_agg(key, ', ' ORDER BY position, key) FROM settings)));
            RETURN;
        END IF;
        problem := CASE WHEN jsonb_typeof(v) = 'null' THEN NULL
                        ELSE solveit_setting_problem(s.key, s.kind, s.choices, s.min_value, s.max_value, v) END;
        IF problem IS NOT NULL THEN
            SELECT * INTO status, body FROM solveit_admin_error(400, problem);
            RETURN;
        END IF;
        IF COALESCE(s.value, s.default_value) IS DISTINCT FROM
           (CASE WHEN jsonb_typeof(v) = 'null' THEN s.default_value ELSE v END) THEN
            before := before || jsonb_build_object(k, COALESCE(s.value, s.default_value));
            UPDATE settings SET value = CASE WHEN jsonb_typeof(v) = 'null' THEN NULL ELSE v END, updated_at = now()
             WHERE key = k;
            after := after || jsonb_build_object(k, solveit_setting(k));
        END IF;
    END LOOP;
    IF after <> '{}' THEN
        INSERT INTO staff_audit (actor_id, actor_name, action, object_type, object_id, before, after)
        VALUES (p_actor, COALESCE(p_actor_name, (SELECT username FROM users WHERE id = p_actor), '?'), p_action,
                'settings', NULL, before, after);
    END IF;
    status := 200;
    body := (solveit_admin_settings_json() ||
             jsonb_build_object('changed', (SELECT COALESCE(jsonb_agg(x ORDER BY x), '[]') FROM jsonb_object_keys(after) x)))::text;
END $$;
