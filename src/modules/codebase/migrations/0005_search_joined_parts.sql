-- Search indexes the parts of an identifier joined from each part on (`get_order_total` also as
-- `getordertotal` and `ordertotal`), and a query word of several parts looks up that one lexeme
-- instead of a phrase of its parts (decision 0045). Lines indexed before lack those lexemes, so
-- everything is indexed again: the lines and path words go, contents and snapshots are marked
-- unindexed, and the sweep (`codebase.index_missed_snapshots`, every 15 minutes) enqueues each
-- snapshot made over an hour ago; a newer one waits until it is that old. Until its job is done a
-- snapshot answers 409 `CODEBASE.NOT_SEARCHABLE`.
TRUNCATE codebase.blob_lines;
UPDATE codebase.blobs SET indexed_at = NULL WHERE indexed_at IS NOT NULL;
UPDATE codebase.files SET path_terms = NULL WHERE path_terms IS NOT NULL;
UPDATE codebase.snapshots SET indexed_at = NULL WHERE indexed_at IS NOT NULL;
