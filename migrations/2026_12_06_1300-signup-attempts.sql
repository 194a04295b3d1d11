-- Signup defense: every registration attempt with what the detectors saw
-- and the rules that matched (kept PADLINE_SIGNUP_RETENTION, purged by the
-- server), the rules the admins put (the default rules live in padlined: a
-- row of the same name replaces one), and an account status for accounts
-- held for approval.
CREATE TABLE signup_attempts (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    outcome text NOT NULL
        CHECK (outcome IN ('created', 'held', 'refused', 'invalid',
                           'duplicate')),
    user_id uuid,
    username text,
    email_domain text,
    peer text,
    network text,
    fill_ms integer,
    shape text,
    flags text[] NOT NULL DEFAULT '{}',
    rules text[] NOT NULL DEFAULT '{}',
    reason text
);
CREATE INDEX signup_attempts_at_idx ON signup_attempts (at);
CREATE INDEX signup_attempts_network_idx ON signup_attempts (network, at);

CREATE TABLE signup_rules (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    "when" text NOT NULL,
    threshold integer CHECK (threshold >= 1),
    window_s integer CHECK (window_s >= 1),
    action text NOT NULL CHECK (action IN ('alarm', 'hold', 'block')),
    mode text NOT NULL DEFAULT 'enforce'
        CHECK (mode IN ('enforce', 'shadow')),
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- active, pending (held for approval) or rejected; "disabled" in the
-- account object comes from the disabled column.
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'pending', 'rejected'));
CREATE INDEX users_pending_idx ON users (created_at) WHERE status = 'pending';

-- migrate:down
DROP INDEX users_pending_idx;
ALTER TABLE users DROP COLUMN status;
DROP TABLE signup_rules;
DROP TABLE signup_attempts;
