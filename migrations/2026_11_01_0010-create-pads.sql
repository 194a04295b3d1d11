-- Pads (named JSON documents), their backups and the templates they start from.

CREATE TABLE pads (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name text NOT NULL
        CHECK (length(btrim(display_name)) > 0 AND length(display_name) <= 100),
    data jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- A name addresses a pad, so it is unique per owner (409 name_taken).
    CONSTRAINT pads_owner_name_key UNIQUE (owner_id, display_name)
);
CREATE INDEX pads_owner_created_idx ON pads (owner_id, created_at, id);

CREATE TABLE backups (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_id uuid NOT NULL REFERENCES pads (id) ON DELETE CASCADE,
    data jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backups_source_created_idx ON backups (source_id, created_at DESC, id DESC);

CREATE TABLE template_pads (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
-- template_pads is reloaded from the templates directory at every start,
-- but pads and backups are user data: refused with rows unless forced.
DROP TABLE template_pads;
DROP TABLE backups;
DROP TABLE pads;
