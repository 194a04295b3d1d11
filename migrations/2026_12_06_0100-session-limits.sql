-- Sessions that end and re-authentication: when a session last proved its
-- password (its sign-in or session.reauth), for the methods that need a
-- fresh one; and the account activity list reads a user's audit rows
-- newest first.

ALTER TABLE sessions
    ADD COLUMN reauth_at timestamptz NOT NULL DEFAULT now();

CREATE INDEX audit_log_subject_id_idx ON audit_log (subject_id, id DESC);

-- migrate:down
DROP INDEX audit_log_subject_id_idx;
ALTER TABLE sessions DROP COLUMN reauth_at;
