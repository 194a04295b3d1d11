-- Accounts, phase 2: disabling users, where and when sessions are used,
-- TOTP two-factor (secret encrypted by padlined, never in the clear),
-- hashed single-use recovery codes, revocable invitations.

ALTER TABLE users
    ADD COLUMN disabled boolean NOT NULL DEFAULT false,
    ADD COLUMN last_login_at timestamptz,
    -- nonce || secretbox(secret) as hex; the key comes from PADLINE_SECRET.
    ADD COLUMN totp_secret_enc text,
    -- Begun but not yet confirmed with a code (user.totp_begin).
    ADD COLUMN totp_pending_enc text,
    -- The 30 s step of the last accepted code: a code is accepted once.
    ADD COLUMN totp_last_step bigint,
    ADD CONSTRAINT users_totp_secret_check
        CHECK (NOT totp_enabled OR totp_secret_enc IS NOT NULL);

-- The last-admin rule scans enabled admins.
CREATE INDEX users_enabled_admins_idx ON users (id)
    WHERE roles ? 'admin' AND NOT disabled;

ALTER TABLE sessions
    -- A handle for session.list / session.revoke that is not the token hash.
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN peer text CHECK (peer IS NULL OR length(peer) <= 64);

CREATE TABLE recovery_codes (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL,              -- keyed BLAKE2b hex, never the code
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, code_hash)
);

ALTER TABLE invitations
    ADD COLUMN revoked_at timestamptz;

-- migrate:down
UPDATE users SET totp_enabled = false WHERE totp_enabled;
ALTER TABLE invitations DROP COLUMN revoked_at;
DROP TABLE recovery_codes;
ALTER TABLE sessions DROP COLUMN peer, DROP COLUMN last_used_at, DROP COLUMN id;
DROP INDEX users_enabled_admins_idx;
ALTER TABLE users DROP CONSTRAINT users_totp_secret_check,
    DROP COLUMN totp_last_step, DROP COLUMN totp_pending_enc,
    DROP COLUMN totp_secret_enc, DROP COLUMN last_login_at, DROP COLUMN disabled;
