// The data_sources module's slice of the configuration (decision 0034).
import { parseAllowList } from '../../core/net/allow-list.ts';
import { defineSettings, hostList, integer, type SettingsOf, setting } from '../../core/settings.ts';

export const dataSourcesSettings = defineSettings(
  {
    allowedHosts: setting(
      'DATA_SOURCE_ALLOWED_HOSTS',
      '',
      hostList,
      'Comma-separated host names, IP addresses or CIDR ranges that data sources may connect to although they are not public (e.g. `127.0.0.1` for a database on this machine, `10.0.0.0/8`); empty: public addresses only.',
    ),
    maxPerOrg: setting('DATA_SOURCE_MAX_PER_ORG', '50', integer(1, 10000), 'Data sources an organization may have.'),
    fileMaxRows: setting('DATA_SOURCE_FILE_MAX_ROWS', '10000000', integer(1, 1_000_000_000), 'Rows one uploaded file may hold (a `files` source); a bigger file is refused.'),
  },
  (v) => ({ allow: parseAllowList(v.allowedHosts), maxPerOrg: v.maxPerOrg, fileMaxRows: v.fileMaxRows }),
);

export type DataSourcesSettings = SettingsOf<typeof dataSourcesSettings>;
