-- Editing objects: the text of texts and notes, and where each object was
-- moved or resized to (each stored point (x, y) shows at (x*sx + dx, y*sy + dy)).
ALTER TABLE strokes ADD COLUMN text TEXT;
ALTER TABLE strokes ADD COLUMN sx REAL NOT NULL DEFAULT 1;
ALTER TABLE strokes ADD COLUMN sy REAL NOT NULL DEFAULT 1;
ALTER TABLE strokes ADD COLUMN dx REAL NOT NULL DEFAULT 0;
ALTER TABLE strokes ADD COLUMN dy REAL NOT NULL DEFAULT 0;
-- Each object's place in the drawing order: its seq when it was made, then
-- wherever "bring to front" and "send to back" put it.
ALTER TABLE strokes ADD COLUMN z REAL NOT NULL DEFAULT 0;
UPDATE strokes SET z = seq;
CREATE INDEX strokes_by_z ON strokes (board, z);
