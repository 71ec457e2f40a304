-- The PostgreSQL schema: the same tables and columns as the SQLite
-- migrations end with, so one set of queries serves both. Integers are
-- BIGINT and flags 0/1 as in SQLite; `user` is quoted, being reserved here.

-- Unix time in seconds, as SQLite's built-in of that name.
CREATE FUNCTION unixepoch() RETURNS BIGINT
    LANGUAGE sql STABLE AS $$ SELECT floor(extract(epoch FROM now()))::BIGINT $$;

CREATE TABLE boards (
    name           TEXT PRIMARY KEY NOT NULL,
    seq            BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL DEFAULT unixepoch(),
    mode           TEXT NOT NULL DEFAULT 'open',
    locked         BIGINT NOT NULL DEFAULT 0,
    generation     BIGINT NOT NULL DEFAULT 0,
    access_version BIGINT NOT NULL DEFAULT 0,
    active_at      BIGINT NOT NULL DEFAULT 0,
    history_from   BIGINT NOT NULL DEFAULT 0,
    history_since  BIGINT
);

CREATE TABLE strokes (
    board  TEXT NOT NULL REFERENCES boards (name),
    id     TEXT NOT NULL,
    client TEXT NOT NULL,
    "user" TEXT NOT NULL,
    color  TEXT NOT NULL,
    width  DOUBLE PRECISION NOT NULL,
    tool   TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    open   BIGINT NOT NULL DEFAULT 1,
    live   BIGINT NOT NULL DEFAULT 1,
    text   TEXT,
    sx     DOUBLE PRECISION NOT NULL DEFAULT 1,
    sy     DOUBLE PRECISION NOT NULL DEFAULT 1,
    dx     DOUBLE PRECISION NOT NULL DEFAULT 0,
    dy     DOUBLE PRECISION NOT NULL DEFAULT 0,
    z      DOUBLE PRECISION NOT NULL DEFAULT 0,
    image  TEXT,
    PRIMARY KEY (board, id)
);
CREATE INDEX strokes_by_seq ON strokes (board, seq);
CREATE INDEX strokes_by_z ON strokes (board, z);
CREATE INDEX strokes_by_image ON strokes (image) WHERE image IS NOT NULL;

CREATE TABLE segments (
    board  TEXT NOT NULL,
    stroke TEXT NOT NULL,
    n      BIGINT NOT NULL,
    points BYTEA NOT NULL,
    seq    BIGINT,
    at     BIGINT,
    PRIMARY KEY (board, stroke, n),
    FOREIGN KEY (board, stroke) REFERENCES strokes (board, id)
);

CREATE TABLE board_keys (
    board TEXT NOT NULL REFERENCES boards (name),
    role  TEXT NOT NULL,
    -- SHA-256 of the key, hex: the key itself is never stored.
    hash  TEXT NOT NULL,
    PRIMARY KEY (board, role)
);

CREATE TABLE deleted_boards (
    name       TEXT PRIMARY KEY NOT NULL,
    deleted_at BIGINT NOT NULL DEFAULT unixepoch()
);

CREATE TABLE images (
    hash   TEXT PRIMARY KEY NOT NULL,
    mime   TEXT NOT NULL,
    width  BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes  BYTEA NOT NULL
);

CREATE TABLE board_images (
    board       TEXT NOT NULL,
    hash        TEXT NOT NULL REFERENCES images (hash),
    size        BIGINT NOT NULL,
    uploaded_at BIGINT NOT NULL DEFAULT unixepoch(),
    PRIMARY KEY (board, hash)
);
CREATE INDEX board_images_by_hash ON board_images (hash);

CREATE TABLE changes (
    board  TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    -- Milliseconds since the Unix epoch.
    at     BIGINT NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    name   TEXT NOT NULL DEFAULT '',
    event  TEXT NOT NULL DEFAULT '',
    kind   TEXT NOT NULL,
    -- The change (protocol::Op) as JSON; a `start` change's points are
    -- segment 0 of stroke `stroke`.
    op     TEXT NOT NULL,
    stroke TEXT,
    PRIMARY KEY (board, seq)
);

CREATE TABLE checkpoints (
    board   TEXT NOT NULL,
    seq     BIGINT NOT NULL,
    snaps   TEXT NOT NULL,
    objects BIGINT NOT NULL,
    PRIMARY KEY (board, seq)
);
