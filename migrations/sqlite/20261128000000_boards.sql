-- Boards, their strokes and each stroke's point batches ("segments").
CREATE TABLE boards (
    name       TEXT PRIMARY KEY NOT NULL,
    seq        INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE TABLE strokes (
    board  TEXT NOT NULL REFERENCES boards (name),
    id     TEXT NOT NULL,
    client TEXT NOT NULL,
    user   TEXT NOT NULL,
    color  TEXT NOT NULL,
    width  REAL NOT NULL,
    tool   TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    open   INTEGER NOT NULL DEFAULT 1,
    live   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (board, id)
);
CREATE INDEX strokes_by_seq ON strokes (board, seq);

CREATE TABLE segments (
    board  TEXT NOT NULL,
    stroke TEXT NOT NULL,
    n      INTEGER NOT NULL,
    points BLOB NOT NULL,
    PRIMARY KEY (board, stroke, n),
    FOREIGN KEY (board, stroke) REFERENCES strokes (board, id)
);
