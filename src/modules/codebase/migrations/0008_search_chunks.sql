-- The search index holds chunks of lines instead of lines (decision 0052): a row per up to 32
-- consecutive lines of a content, its text the lines joined by a line feed, its terms the words
-- of them all, positions running on across lines with a gap at each line end (so no phrase spans
-- two lines). A codebase is twenty to thirty times fewer rows, and writing them, not reading or
-- splitting the code, was most of the time to searchable. Search finds chunks by the GIN index and
-- keeps, in the process, the lines of each that match the query (search-terms.ts, lexemesMatch).
-- Everything is indexed again, as in 0005: contents and snapshots are marked unindexed and the
-- sweep (`codebase.index_missed_snapshots`) enqueues them; until then a snapshot answers 409.
DROP TABLE codebase.blob_lines;
CREATE TABLE codebase.blob_chunks (
  org_id      uuid NOT NULL,
  sha256      text NOT NULL,
  first_line  integer NOT NULL CHECK (first_line > 0),
  text        text NOT NULL,
  terms       tsvector NOT NULL,
  PRIMARY KEY (org_id, sha256, first_line)
);
-- Lexemes are many and seldom repeat: compressing them cost more than it saved (measured: 15 %
-- of the write), so they are stored as they are. The index's pending list is four times the
-- default: a codebase's rows are merged into the index in fewer, larger passes, and the job
-- cleans the list when it is done (search-indexing.ts), so searches do not read it long.
ALTER TABLE codebase.blob_chunks ALTER COLUMN terms SET STORAGE EXTERNAL;
CREATE INDEX blob_chunks_terms ON codebase.blob_chunks USING gin (terms) WITH (gin_pending_list_limit = 16384);
UPDATE codebase.blobs SET indexed_at = NULL WHERE indexed_at IS NOT NULL;
UPDATE codebase.snapshots SET indexed_at = NULL WHERE indexed_at IS NOT NULL;
