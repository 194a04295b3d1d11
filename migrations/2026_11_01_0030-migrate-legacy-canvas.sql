-- Pad.ws's own data: public.canvas_data (user_id, data) becomes a pad named
-- "Untitled" per row, public.canvas_backups (id, user_id, canvas_data,
-- timestamp) becomes backups of that pad keeping their timestamp. Owners that
-- do not exist are created as migrated_user_<id> without a password. Without
-- the old tables this does nothing.
DO $$
DECLARE
    skipped bigint;
BEGIN
    IF to_regclass('public.canvas_data') IS NULL THEN
        RETURN;
    END IF;

    INSERT INTO users (id, username)
    SELECT DISTINCT c.user_id, 'migrated_user_' || replace(c.user_id::text, '-', '')
    FROM public.canvas_data c
    WHERE c.user_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id);

    -- Several rows of one user get "Untitled", "Untitled 2", ...
    INSERT INTO pads (owner_id, display_name, data)
    SELECT user_id,
           CASE WHEN n = 1 THEN 'Untitled' ELSE 'Untitled ' || n END,
           CASE WHEN jsonb_typeof(data) = 'object' THEN data
                ELSE jsonb_build_object('legacy', data) END
    FROM (SELECT user_id, COALESCE(data::jsonb, '{}'::jsonb) AS data,
                 row_number() OVER (PARTITION BY user_id) AS n
          FROM public.canvas_data WHERE user_id IS NOT NULL) c
    ON CONFLICT (owner_id, display_name) DO NOTHING;

    IF to_regclass('public.canvas_backups') IS NOT NULL THEN
        SELECT count(*) INTO skipped FROM public.canvas_backups WHERE "timestamp" IS NULL;
        IF skipped > 0 THEN
            RAISE WARNING 'legacy canvas_backups: % rows without a timestamp skipped', skipped;
        END IF;
        INSERT INTO backups (source_id, data, created_at)
        SELECT p.id, COALESCE(b.canvas_data::jsonb, '{}'::jsonb), b."timestamp"
        FROM public.canvas_backups b
        JOIN pads p ON p.owner_id = b.user_id AND p.display_name = 'Untitled'
        WHERE b."timestamp" IS NOT NULL;
    END IF;
END
$$;

-- migrate:down
-- The imported pads, users and backups stay: they are user data now, and
-- the legacy tables in public were never touched. Rolling back only forgets
-- that the import ran. Applying it again imports what is missing: pads
-- named "Untitled" that no longer exist and every dated backup (again).
