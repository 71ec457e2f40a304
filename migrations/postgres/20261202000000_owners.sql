-- Which node of a cluster holds each board (by the board's lease key, see
-- storage::leases), and the epoch of that holding: the writer of a node
-- writes a board only while this row is its own at its epoch.
CREATE TABLE board_owners (
    key   BIGINT PRIMARY KEY NOT NULL,
    node  TEXT NOT NULL,
    epoch BIGINT NOT NULL
);
