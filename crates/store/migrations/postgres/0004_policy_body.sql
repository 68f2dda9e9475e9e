-- Each policy's attributes and roles also as one encoded column (store/src/codec.rs, `encode_body`), so that a GET,
-- a page and the startup load read a policy from its row alone. The child tables stay the searchable copy. Rows
-- written before this migration keep a NULL body and are read from the child tables, as before.
ALTER TABLE policies ADD COLUMN body TEXT;
