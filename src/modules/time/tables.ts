// Row types of the time_tracking schema, for the repositories' Kysely narrowing. bigint
// columns (rates in minor units) arrive as numbers (core/db/database.ts).
import type { Generated, Kysely, Selectable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface SettingsTable {
  org_id: string;
  lock_date: string | null;
  hourly_rate_minor: number | null;
  week_starts_on: 'monday' | 'sunday';
  updated_at: Generated<Date>;
}

export interface MemberRatesTable {
  org_id: string;
  user_id: string;
  hourly_rate_minor: number;
  updated_at: Generated<Date>;
}

export interface EntriesTable {
  id: string;
  org_id: string;
  user_id: string;
  project_id: string;
  task_id: string | null;
  start_at: Date;
  end_at: Date | null;
  description: string;
  billable: boolean;
  tags: string[];
  hourly_rate_minor: number | null;
  currency: string;
  created_by: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RoundingRulesTable {
  id: string;
  org_id: string;
  scope: 'org' | 'client' | 'project';
  target: string;
  minutes: number;
  mode: 'up' | 'down' | 'nearest';
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TimesheetsTable {
  id: string;
  org_id: string;
  user_id: string;
  period: string;
  period_start: Date;
  period_end: Date;
  status: 'submitted' | 'approved' | 'rejected';
  submitted_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  comment: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface BudgetAlertsTable {
  org_id: string;
  project_id: string;
  kind: 'hours' | 'money';
  threshold: number;
  spent: number;
  budget: number;
  fired_at: Generated<Date>;
}

export interface TimeTables {
  'time_tracking.settings': SettingsTable;
  'time_tracking.member_rates': MemberRatesTable;
  'time_tracking.entries': EntriesTable;
  'time_tracking.rounding_rules': RoundingRulesTable;
  'time_tracking.timesheets': TimesheetsTable;
  'time_tracking.budget_alerts': BudgetAlertsTable;
}

export type EntryRow = Selectable<EntriesTable>;
export type RoundingRuleRow = Selectable<RoundingRulesTable>;
export type TimesheetRow = Selectable<TimesheetsTable>;
export type SettingsRow = Selectable<SettingsTable>;

export const q = (db: Executor) => db as unknown as Kysely<TimeTables>;
