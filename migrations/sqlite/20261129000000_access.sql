-- Access control: each board's mode and lock, the hashed keys of its links,
-- its last activity (for `scrawl boards` and --expire-after), and the names
-- of boards deleted while a server may still hold them open.
ALTER TABLE boards ADD COLUMN mode TEXT NOT NULL DEFAULT 'open';
ALTER TABLE boards ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
-- Bumped by every reset of the links; the edit and view keys derive from it.
ALTER TABLE boards ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
-- Bumped by every change of mode, lock or keys, by a server or the operator:
-- an older version never overwrites a newer one.
ALTER TABLE boards ADD COLUMN access_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE boards ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;
UPDATE boards SET active_at = created_at;

CREATE TABLE board_keys (
    board TEXT NOT NULL REFERENCES boards (name),
    role  TEXT NOT NULL,
    -- SHA-256 of the key, hex: the key itself is never stored.
    hash  TEXT NOT NULL,
    PRIMARY KEY (board, role)
);

CREATE TABLE deleted_boards (
    name       TEXT PRIMARY KEY NOT NULL,
    deleted_at INTEGER NOT NULL DEFAULT (unixepoch())
);
