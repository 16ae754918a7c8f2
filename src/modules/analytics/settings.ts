// The analytics module's slice of the configuration (decision 0034): the caps every query runs under.
import { defineSettings, integer, millis, type SettingsOf, setting } from '../../core/settings.ts';

export const analyticsSettings = defineSettings({
  queryTimeoutMs: setting('ANALYTICS_QUERY_TIMEOUT', '30s', millis(100, 600_000), 'Longest a query may run on a source: the statement timeout set on the server, and the deadline after which the client cancels it.'),
  maxRows: setting('ANALYTICS_MAX_ROWS', '10000', integer(1, 1_000_000), 'Rows a query answers at most (a request may ask for fewer); past it the result says `truncated`.'),
  maxResultBytes: setting('ANALYTICS_MAX_RESULT_BYTES', '10000000', integer(1000, 1_000_000_000), 'Approximate JSON size of the rows a query answers at most; past it the result says `truncated`.'),
  downloadMaxRows: setting('ANALYTICS_DOWNLOAD_MAX_ROWS', '1000000', integer(1, 100_000_000), 'Rows a CSV or XLSX download holds at most (XLSX: at most 1,048,575 whatever this says).'),
  downloadMaxBytes: setting('ANALYTICS_DOWNLOAD_MAX_BYTES', '500000000', integer(1000, 10_000_000_000), 'Approximate size of the rows a download reads at most.'),
  profileMaxRows: setting('ANALYTICS_PROFILE_MAX_ROWS', '200000', integer(100, 10_000_000), 'Rows of a table or result the data analyzer profiles at most (a sample when the table has more).'),
  cacheMaxBytes: setting('ANALYTICS_CACHE_MAX_BYTES', '2000000', integer(0, 100_000_000), 'Results bigger than this (JSON) are not cached; 0 turns the result cache off.'),
});

export type AnalyticsSettings = SettingsOf<typeof analyticsSettings>;
