CREATE SCHEMA visualizations;

-- A chart: a saved question drawn one way. It stores no result: every view runs the question as
-- the viewer. org_id and question_id reference other modules by id only (no foreign keys across
-- schemas); drawing a chart whose question is gone answers ANALYTICS.QUESTION_NOT_FOUND.
CREATE TABLE visualizations.charts (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  question_id  uuid NOT NULL,
  type         text NOT NULL,
  encoding     jsonb NOT NULL,
  options      jsonb NOT NULL,
  created_by   uuid NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

CREATE INDEX charts_org_id ON visualizations.charts (org_id, id DESC);
CREATE INDEX charts_org_question ON visualizations.charts (org_id, question_id);
