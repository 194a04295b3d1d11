-- Pads, phase 2: a version per pad (if_version: no lost updates), the size of
-- the stored data kept on the row (lists never read data), read-only sharing,
-- and the indexes behind paged, sorted and searched pad lists per owner.

ALTER TABLE pads
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN size bigint NOT NULL DEFAULT 0 CHECK (size >= 0);
-- Existing pads start at version 1 with the size of what they hold.
UPDATE pads SET size = octet_length(data::text);

CREATE TABLE pad_shares (
    pad_id uuid NOT NULL REFERENCES pads (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pad_shares_pad_user_key UNIQUE (pad_id, user_id)
);
-- pad.list reads the pads shared with the caller.
CREATE INDEX pad_shares_user_idx ON pad_shares (user_id, pad_id);

-- Keyset paging per owner, one index per sort (created exists already).
CREATE INDEX pads_owner_updated_idx ON pads (owner_id, updated_at, id);
CREATE INDEX pads_owner_name_idx ON pads (owner_id, lower(display_name), id);

-- Substring search on names (ILIKE '%q%') through trigrams. pg_trgm is one
-- per database, and several schemas (tests, deployments side by side) may
-- migrate at once: concurrent CREATE EXTENSION IF NOT EXISTS can fail with a
-- unique violation, so creators queue on a transaction-level advisory lock
-- and the later ones find it made. It goes to public, never to this schema:
-- dropping one deployment's schema must not take the extension (and every
-- other schema's trigram index) with it. When it already lives elsewhere,
-- the index names that schema's operator class.
SELECT pg_advisory_xact_lock(hashtext('padline:extension:pg_trgm'));
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
DO $$
BEGIN
    EXECUTE format(
        'CREATE INDEX pads_name_trgm_idx ON pads USING gin (display_name %I.gin_trgm_ops)',
        (SELECT n.nspname FROM pg_extension e
         JOIN pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_trgm'));
END
$$;

-- migrate:down
DROP INDEX IF EXISTS pads_name_trgm_idx;
DROP INDEX IF EXISTS pads_owner_name_idx;
DROP INDEX IF EXISTS pads_owner_updated_idx;
DROP TABLE IF EXISTS pad_shares;
ALTER TABLE pads DROP COLUMN IF EXISTS size, DROP COLUMN IF EXISTS version;
-- pg_trgm stays: other schemas of the database may use it.
