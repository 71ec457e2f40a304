-- Images on boards: each blob once, by the SHA-256 of its bytes; which
-- boards it was uploaded to (for their caps and for collection); and the
-- image an object of tool "image" shows.
CREATE TABLE images (
    hash   TEXT PRIMARY KEY NOT NULL,
    mime   TEXT NOT NULL,
    width  INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes  BLOB NOT NULL
);

CREATE TABLE board_images (
    board       TEXT NOT NULL,
    hash        TEXT NOT NULL REFERENCES images (hash),
    size        INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (board, hash)
);
CREATE INDEX board_images_by_hash ON board_images (hash);

ALTER TABLE strokes ADD COLUMN image TEXT;
CREATE INDEX strokes_by_image ON strokes (image) WHERE image IS NOT NULL;
