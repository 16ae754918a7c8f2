// The API's shapes this area uses, named once.
import type { components } from '../../api/schema';

export type Dashboard = components['schemas']['Dashboard'];
export type Widget = components['schemas']['DashboardWidget'];
export type DashboardFilter = components['schemas']['DashboardFilter'];
export type DashboardData = components['schemas']['DashboardData'];
export type WidgetData = DashboardData['widgets'][number];
export type Chart = components['schemas']['Chart'];
export type Question = components['schemas']['SavedQuestion'];
/** A filter's value as /data takes it: a date range, a number range, or text. */
export type FilterValue = string | { preset?: string; from?: string; to?: string; min?: number; max?: number };
