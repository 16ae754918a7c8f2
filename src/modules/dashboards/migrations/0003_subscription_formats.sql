-- What each subscription mail carries: `inline` (the charts as pictures in the body), `pdf` (the
-- dashboard's PDF attached) and `csv` (a CSV per table). Existing subscriptions keep what they
-- sent so far, the body alone, now with the charts in it.
ALTER TABLE dashboards.subscriptions
  ADD COLUMN formats text[] NOT NULL DEFAULT '{inline}'
  CHECK (cardinality(formats) BETWEEN 1 AND 3 AND formats <@ '{inline,pdf,csv}'::text[]);
