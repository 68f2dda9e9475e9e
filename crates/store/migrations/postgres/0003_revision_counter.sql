-- Revisions come from one counter row that every write moves in its transaction, so they are handed out in commit
-- order without gaps: the row lock is held until commit, so of two replicas writing at once the second waits.
CREATE TABLE revision_counter (
    slot     BIGINT PRIMARY KEY NOT NULL CHECK (slot = 1),
    revision BIGINT NOT NULL
);
INSERT INTO revision_counter (slot, revision) SELECT 1, COALESCE(MAX(revision), 0) FROM changes;
