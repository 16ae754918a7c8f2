-- Projects, tasks and clients as the `workspace` data source shows them (decision 0038): one
-- org's live rows only, the org named by the transaction-local setting the data source sets
-- before each query (unset: no rows). Money in major units, as people read it.
CREATE VIEW projects.workspace_projects WITH (security_barrier) AS
  SELECT p.id, p.name, p.key, p.status, p.client, p.tags, p.budget_hours,
         p.budget_minor / 100.0 AS budget_amount, p.currency, p.billable_default,
         p.hourly_rate_minor / 100.0 AS hourly_rate, p.created_at, p.archived_at
  FROM projects.projects p
  WHERE p.org_id = nullif(current_setting('trellis.workspace_org', true), '')::uuid AND p.deleted_at IS NULL;

CREATE VIEW projects.workspace_tasks WITH (security_barrier) AS
  SELECT t.id, t.project_id, t.name, t.status, t.estimate_minutes, t.assignee_id, t.created_at
  FROM projects.tasks t
  WHERE t.org_id = nullif(current_setting('trellis.workspace_org', true), '')::uuid AND t.deleted_at IS NULL;

-- A client is a name projects share; the relation lists each once with its project count.
CREATE VIEW projects.workspace_clients WITH (security_barrier) AS
  SELECT p.client AS name, count(*)::int AS projects
  FROM projects.projects p
  WHERE p.org_id = nullif(current_setting('trellis.workspace_org', true), '')::uuid AND p.deleted_at IS NULL AND p.client IS NOT NULL
  GROUP BY p.client;
