// The report model: what every format renders. The JSON response is this model as it is (its
// types are the schemas', schemas.ts); the CSV, XLSX and PDF renderers are pure functions of
// it (no I/O, no clock).
import type { Static } from 'typebox';
import type { Amount, BudgetView, ReportRow as ReportRowSchema, ReportTotals as ReportTotalsSchema, TimeReportView } from './schemas.ts';

export type ReportGroupBy = 'project' | 'user' | 'task' | 'client' | 'day' | 'week' | 'month';
export type ReportFormat = 'json' | 'csv' | 'xlsx' | 'pdf';
/** Whose time the caller was allowed to see: all of the org's, one managed project's, or their own. */
export type ReportScope = 'organization' | 'project' | 'own';

export type Money = Static<typeof Amount>;
/** Billable amounts are one per currency (entries carry the currency of their rate). */
export type ReportTotals = Static<typeof ReportTotalsSchema>;
/** `key` null: none (no task, no client). */
export type ReportRow = Static<typeof ReportRowSchema>;
export type TimeReport = Static<typeof TimeReportView>;
export type ProjectBudget = Static<typeof BudgetView>;

export const GROUP_TITLES: Record<ReportGroupBy, { title: string; column: string; detail: string | null }> = {
  project: { title: 'Time report by project', column: 'Project', detail: 'Key' },
  user: { title: 'Time report by person', column: 'Person', detail: null },
  task: { title: 'Time report by task', column: 'Task', detail: 'Project' },
  client: { title: 'Time report by client', column: 'Client', detail: null },
  day: { title: 'Time report by day', column: 'Day', detail: null },
  week: { title: 'Time report by week', column: 'Week', detail: null },
  month: { title: 'Time report by month', column: 'Month', detail: null },
};

/** Seconds as hours, kept exact for spreadsheets. */
export const hours = (seconds: number): number => seconds / 3600;

/** Seconds as hours with two decimals, for text formats. */
export const hoursText = (seconds: number): string => (seconds / 3600).toFixed(2);

const digitsCache = new Map<string, number>();
/** Minor-unit digits of an ISO 4217 currency (2 for EUR, 0 for JPY, 3 for KWD). */
export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

/** Minor units to the major-unit number (1234 EUR cents -> 12.34). */
export const majorUnits = (m: Money): number => m.amountMinor / 10 ** currencyDigits(m.currency);

/** "12.34" (no grouping: CSV consumers parse it). */
export const amountText = (m: Money): string => majorUnits(m).toFixed(currencyDigits(m.currency));

/** "1,234.50 EUR", for documents. */
export function moneyText(m: Money): string {
  const d = currencyDigits(m.currency);
  return `${majorUnits(m).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })} ${m.currency}`;
}

export const amountIn = (amounts: Money[], currency: string): Money => ({ currency, amountMinor: amounts.find((a) => a.currency === currency)?.amountMinor ?? 0 });

/** "1 March 2024": unambiguous in every locale a client might read. */
export function longDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** A safe download name: ASCII letters, digits, dot, dash and underscore only. */
export function safeFilename(...parts: string[]): string {
  const base = parts
    .join('-')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return (base || 'report').slice(0, 120);
}
