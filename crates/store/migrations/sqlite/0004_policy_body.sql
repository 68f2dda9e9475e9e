-- Each policy's attributes and roles also as one encoded column (store/src/codec.rs, `encode_body`), so that a GET,
-- a page and the startup load read a policy from its row alone. The child tables stay the searchable copy.
--
-- `body_version` is the policy version the body was written at. A body is read only when it matches the row's
-- version: rows written before this migration (no body), and rows a replica of an older build updated during a
-- rolling upgrade (it moves `version` and the child rows, not the body), are read from the child tables instead.
ALTER TABLE policies ADD COLUMN body TEXT;
ALTER TABLE policies ADD COLUMN body_version BIGINT;
