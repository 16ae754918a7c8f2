-- Time entries as the `workspace` data source shows them (decision 0038): one org's finished
-- entries only, the org named by the transaction-local setting the data source sets before each
-- query (unset: no rows); durations in seconds and hours, the rate copied at write time, the
-- amount billable entries earn (major units).
CREATE VIEW time_tracking.workspace_time_entries WITH (security_barrier) AS
  SELECT e.id, e.user_id, e.project_id, e.task_id, e.start_at, e.end_at,
         extract(epoch FROM e.end_at - e.start_at)::bigint AS duration_seconds,
         round(extract(epoch FROM e.end_at - e.start_at) / 3600.0, 4) AS hours,
         e.billable, e.hourly_rate_minor / 100.0 AS hourly_rate,
         CASE WHEN e.billable AND e.hourly_rate_minor IS NOT NULL
              THEN round(extract(epoch FROM e.end_at - e.start_at) / 3600.0 * e.hourly_rate_minor) / 100.0
              ELSE 0 END AS amount,
         e.currency, e.description, e.tags
  FROM time_tracking.entries e
  WHERE e.org_id = nullif(current_setting('trellis.workspace_org', true), '')::uuid AND e.end_at IS NOT NULL;
