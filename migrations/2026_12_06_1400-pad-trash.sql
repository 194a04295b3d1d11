-- The trash: pad.delete sets deleted_at instead of deleting the row, so a pad
-- (with its backups and shares, which stay attached) can be undeleted until
-- the purge removes it PADLINE_TRASH_DAYS later. A trashed pad gives up its
-- name: the owner may create another pad of that name, and undeleting then
-- clashes (409 name_taken), so uniqueness covers live pads only.
ALTER TABLE pads ADD COLUMN deleted_at timestamptz;
ALTER TABLE pads DROP CONSTRAINT pads_owner_name_key;
-- Same name as the constraint it replaces: a clash still reports it.
CREATE UNIQUE INDEX pads_owner_name_key ON pads (owner_id, display_name)
    WHERE deleted_at IS NULL;
-- pad.trash pages each owner's trash, most recently trashed first.
CREATE INDEX pads_trash_idx ON pads (owner_id, deleted_at, id)
    WHERE deleted_at IS NOT NULL;
-- The purge finds expired pads of every owner.
CREATE INDEX pads_trash_expiry_idx ON pads (deleted_at)
    WHERE deleted_at IS NOT NULL;

-- migrate:down
-- Before this step a deleted pad was gone: trashed pads (and, by cascade,
-- their backups and shares) are purged, which migrate refuses without
-- --force when there are any. With an empty trash this part loses nothing.
DELETE FROM pads WHERE deleted_at IS NOT NULL;
DROP INDEX pads_trash_expiry_idx;
DROP INDEX pads_trash_idx;
DROP INDEX pads_owner_name_key;
ALTER TABLE pads ADD CONSTRAINT pads_owner_name_key UNIQUE (owner_id, display_name);
ALTER TABLE pads DROP COLUMN deleted_at;
