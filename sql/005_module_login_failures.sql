-- mod_solveit: failed logins, counted per account and per address over 15 minutes to slow down
-- password guessing (SolveitLoginAttempts). Rows older than a day are purged at each login.
CREATE TABLE login_failures (
    id        bigserial PRIMARY KEY,
    username  text NOT NULL,
    address   text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON login_failures (username, at);
CREATE INDEX login_failures_address_idx ON login_failures (address, at);

-- The per-user submission rate limit counts a user's submissions of the last minute.
CREATE INDEX submissions_user_time_idx ON submissions (user_id, submitted_at);
