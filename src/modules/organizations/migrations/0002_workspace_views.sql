-- The org's members as the `workspace` data source shows them (decision 0038): one org's rows
-- only, the org named by the transaction-local setting the data source sets before each query
-- (unset: no rows). security_barrier keeps a caller's functions from seeing rows before the
-- filter has removed them.
CREATE VIEW organizations.workspace_members WITH (security_barrier) AS
  SELECT m.user_id, m.email, m.role, m.created_at AS joined_at
  FROM organizations.memberships m
  WHERE m.org_id = nullif(current_setting('trellis.workspace_org', true), '')::uuid;
