-- The version of the pad a backup holds (pad.backups shows it). Backups
-- taken before this step, and imported ones, hold no known version (NULL).
ALTER TABLE backups ADD COLUMN version integer CHECK (version >= 1);

-- migrate:down
-- The versions go (migrate asks for --force when there are any); the backups
-- themselves stay.
ALTER TABLE backups DROP COLUMN version;
