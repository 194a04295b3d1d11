-- Login failure counters while Redis is away
-- (PADLINE_LOGIN_LIMIT_FALLBACK=postgres): shared by every instance.
-- UNLOGGED: they are transient (each expires within PADLINE_LOGIN_WINDOW),
-- so a crash that empties the table loses nothing worth the WAL.

CREATE UNLOGGED TABLE login_failures (
    key        text PRIMARY KEY,
    failures   integer NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX login_failures_expires_at_idx ON login_failures (expires_at);

-- migrate:down
-- Only counters: with rows left the step needs --force, which only forgets
-- them.
DROP TABLE login_failures;
