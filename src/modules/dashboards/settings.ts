// The dashboards module's slice of the configuration (decision 0034).
import { defineSettings, millis, type SettingsOf, setting } from '../../core/settings.ts';

export const dashboardsSettings = defineSettings({
  widgetTimeoutMs: setting('DASHBOARD_WIDGET_TIMEOUT', '10s', millis(100, 600_000), 'Longest one widget of a dashboard may take to compute; past it the widget answers `timed_out` and the others are unaffected.'),
});

export type DashboardsSettings = SettingsOf<typeof dashboardsSettings>;
