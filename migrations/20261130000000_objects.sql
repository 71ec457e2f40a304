-- Editing objects: the text of texts and notes, and where each object was
-- moved or resized to (each stored point (x, y) shows at (x*sx + dx, y*sy + dy)).
ALTER TABLE strokes ADD COLUMN text TEXT;
ALTER TABLE strokes ADD COLUMN sx REAL NOT NULL DEFAULT 1;
ALTER TABLE strokes ADD COLUMN sy REAL NOT NULL DEFAULT 1;
ALTER TABLE strokes ADD COLUMN dx REAL NOT NULL DEFAULT 0;
ALTER TABLE strokes ADD COLUMN dy REAL NOT NULL DEFAULT 0;
