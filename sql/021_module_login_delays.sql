-- mod_solveit: growing delays for failed logins instead of a lockout (issue 14, finding 10).
-- Ten wrong guesses by anyone used to lock the account's owner out for 15 minutes, and behind a
-- campus NAT one student's typos locked the whole room. Failures now count per account AND
-- address together: after SolveitLoginAttempts failures of one account from one address within
-- 15 minutes, that pair waits 1 s after its last failure, then 2 s, 4 s... up to 15 minutes.
-- Failures from other addresses never delay an attempt, so the owner's right password is never
-- refused because of someone else's guesses. solveit_login_attempt (sql/012) stays for a module
-- of before this migration; the module of after it calls solveit_login_delay.
CREATE INDEX login_failures_pair_idx ON login_failures (username, address, at);

-- Returns the recorded attempt (to delete when the password turns out right) and 0, or no
-- attempt and the seconds the caller must wait first. The pair's advisory lock is held until the
-- statement's transaction commits, so simultaneous guesses are counted one after the other.
CREATE FUNCTION solveit_login_delay(p_username text, p_address text, p_free integer,
                                    OUT attempt bigint, OUT wait_seconds integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    failures integer;
    last_failure timestamptz;
    wait double precision;
BEGIN
    PERFORM pg_advisory_xact_lock(1397048683, hashtext(p_username || E'\n' || p_address));
    SELECT count(*), max(f.at) INTO failures, last_failure
      FROM login_failures f
     WHERE f.username = p_username AND f.address = p_address AND f.at > now() - interval '15 minutes';
    IF failures >= p_free THEN
        wait := extract(epoch FROM last_failure - clock_timestamp())
                + least(900, power(2, least(failures - p_free, 10)));
        IF wait > 0 THEN
            attempt := NULL;
            wait_seconds := ceil(wait)::integer;
            RETURN;
        END IF;
    END IF;
    INSERT INTO login_failures (username, address) VALUES (p_username, p_address) RETURNING id INTO attempt;
    wait_seconds := 0;
END $$;
