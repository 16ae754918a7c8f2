// The organizations module's slice of the configuration (decision 0034).
import { defineSettings, integer, type SettingsOf, setting } from '../../core/settings.ts';

export const organizationsSettings = defineSettings({
  maxDepth: setting('ORG_MAX_DEPTH', '5', integer(1, 50), 'Levels an organization hierarchy may have (a top-level organization is level 1).'),
  restoreDays: setting('ORG_RESTORE_DAYS', '30', integer(1, 3650), 'Days during which an owner can restore a deleted organization.'),
});

export type OrganizationsSettings = SettingsOf<typeof organizationsSettings>;
