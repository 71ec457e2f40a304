-- Time travel: every board's change log, with who made each change and
-- when, and checkpoints of the board every so many changes, so that the
-- board at any seq can be rebuilt without replaying from the start.

-- A batch of points (segment n > 0) is logged as itself: the seq and time
-- of the change that added it. (NULL for segments from before the log.)
ALTER TABLE segments ADD COLUMN seq INTEGER;
ALTER TABLE segments ADD COLUMN at INTEGER;

-- Every other change.
CREATE TABLE changes (
    board  TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    -- Milliseconds since the Unix epoch.
    at     INTEGER NOT NULL,
    client TEXT NOT NULL DEFAULT '',
    name   TEXT NOT NULL DEFAULT '',
    event  TEXT NOT NULL DEFAULT '',
    kind   TEXT NOT NULL,
    -- The change (protocol::Op) as JSON. A `start` change's points are not
    -- repeated in it: they are segment 0 of stroke `stroke`.
    op     TEXT NOT NULL,
    stroke TEXT,
    PRIMARY KEY (board, seq)
) WITHOUT ROWID;

-- The board at `seq`: a JSON array of protocol::Snap, without points (each
-- object's points are its segments up to `batch`).
CREATE TABLE checkpoints (
    board   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    snaps   TEXT NOT NULL,
    -- How many objects it holds: the next one comes after twice as many changes.
    objects INTEGER NOT NULL,
    PRIMARY KEY (board, seq)
) WITHOUT ROWID;

-- Where each board's history starts: the seq (and the time, in ms) before
-- which it was compacted, or at which the log began for boards older than it.
ALTER TABLE boards ADD COLUMN history_from INTEGER NOT NULL DEFAULT 0;
ALTER TABLE boards ADD COLUMN history_since INTEGER;

-- Boards drawn on before the log: their history starts at their last change,
-- from a checkpoint of how they are.
UPDATE boards SET history_from = seq, history_since = active_at * 1000 WHERE seq > 0;
INSERT INTO checkpoints (board, seq, snaps, objects)
SELECT b.name, b.seq,
       (SELECT json_group_array(json(snap)) FROM (
            SELECT json_object(
                'stroke', json_object(
                    'id', s.id, 'user', s.user, 'color', s.color, 'width', s.width, 'tool', s.tool,
                    'points', json('[]'), 'text', s.text, 'image', s.image,
                    'transform', json(CASE WHEN s.sx = 1 AND s.sy = 1 AND s.dx = 0 AND s.dy = 0 THEN NULL
                                      ELSE json_object('sx', s.sx, 'sy', s.sy, 'dx', s.dx, 'dy', s.dy) END)),
                'live', json(CASE WHEN s.live THEN 'true' ELSE 'false' END),
                'open', json(CASE WHEN s.open THEN 'true' ELSE 'false' END),
                'batch', coalesce((SELECT max(g.n) FROM segments g WHERE g.board = s.board AND g.stroke = s.id), 0),
                'z', s.z) AS snap
            FROM strokes s WHERE s.board = b.name ORDER BY s.z, s.seq)),
       0
FROM boards b WHERE b.seq > 0;
UPDATE checkpoints SET objects = json_array_length(snaps);
