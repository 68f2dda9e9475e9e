-- Revisions come from one counter row that every write moves in its transaction, so they are handed out in commit
-- order without gaps (the same scheme as PostgreSQL, where it matters: there, several replicas write at once).
CREATE TABLE revision_counter (
    slot     INTEGER PRIMARY KEY NOT NULL CHECK (slot = 1),
    revision INTEGER NOT NULL
);
INSERT INTO revision_counter (slot, revision) SELECT 1, COALESCE(MAX(revision), 0) FROM changes;
