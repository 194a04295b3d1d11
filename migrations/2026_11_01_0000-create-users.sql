-- Users and the tables that hang off them: sessions, invitations.
-- Runs inside the configured schema (search_path), never a fixed name.

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,64}$'),
    email text CHECK (email IS NULL OR length(email) <= 254),
    email_verified boolean NOT NULL DEFAULT false,
    name text,
    given_name text,
    family_name text,
    roles jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(roles) = 'array'),
    password_hash text,
    totp_enabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Usernames are unique case-insensitively: "Alice" and "alice" clash.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
-- Prefix search for user.list (LIKE 'x%' needs pattern ops).
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops);
CREATE INDEX users_email_idx ON users (lower(email) text_pattern_ops);
-- Newest-first keyset paging and user.stats windows.
CREATE INDEX users_created_at_idx ON users (created_at DESC, id DESC);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,          -- hex SHA-256 of the token, never the token
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE invitations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code_hash text NOT NULL UNIQUE,       -- hex SHA-256 of the code, never the code
    note text CHECK (note IS NULL OR length(note) <= 200),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used boolean NOT NULL DEFAULT false,
    used_by_id uuid REFERENCES users (id) ON DELETE SET NULL,
    used_at timestamptz,
    CHECK (used = (used_at IS NOT NULL))
);
CREATE INDEX invitations_created_idx ON invitations (created_at DESC);

-- Single-use form tokens: a nonce is inserted when a token is spent, so a
-- replay fails on the primary key, whichever padlined it reaches.
CREATE TABLE form_token_uses (
    nonce text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX form_token_uses_expires_idx ON form_token_uses (expires_at);

-- migrate:down
-- Every table here holds user data: with rows in any of them this step is
-- refused unless forced (`migrate --to 0 --force`). The schema itself stays.
DROP TABLE form_token_uses;
DROP TABLE invitations;
DROP TABLE sessions;
DROP TABLE users;
