// The audit module's slice of the configuration (decision 0034).
import { defineSettings, integer, type SettingsOf, setting } from '../../core/settings.ts';

export const auditSettings = defineSettings({
  retentionDays: setting('AUDIT_RETENTION_DAYS', '365', integer(1, 36500), 'Days audit records are kept; a daily job (03:17 UTC) deletes older ones.'),
});

export type AuditSettings = SettingsOf<typeof auditSettings>;
