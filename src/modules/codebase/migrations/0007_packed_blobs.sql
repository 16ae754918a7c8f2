-- Small contents are stored packed (decision 0051): one core/storage object holds the contents of
-- one upload batch one after another, and a blob is the range [pack_offset, pack_offset + size)
-- of it. pack_offset is null for a content stored as an object of its own (a large one, and every
-- content stored before packs). Many blobs now share a storage_key: an object is removed when the
-- last blob in it is freed (repository.ts, blobs.deleteUnused), so the key is indexed, not unique.
ALTER TABLE codebase.blobs ADD COLUMN pack_offset bigint CHECK (pack_offset >= 0);
ALTER TABLE codebase.blobs DROP CONSTRAINT blobs_storage_key_key;
CREATE INDEX blobs_storage_key ON codebase.blobs (storage_key);
