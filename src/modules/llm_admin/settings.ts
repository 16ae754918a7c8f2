// The llm_admin module's slice of the configuration (decision 0034). The instance's providers
// and models are core's (LLM_*, core/llm/settings.ts); these rule what organizations add.
import { parseAllowList } from '../../core/net/allow-list.ts';
import { defineSettings, hostList, integer, type SettingsOf, setting } from '../../core/settings.ts';

export const llmAdminSettings = defineSettings(
  {
    orgAllowedHosts: setting(
      'LLM_ORG_ALLOWED_HOSTS',
      '',
      hostList,
      'Comma-separated host names, IP addresses or CIDR ranges that organizations\' own providers may reach although they are not public (e.g. `10.0.0.0/8` for a model server inside the network); empty: public addresses only.',
    ),
    maxOutputTokens: setting(
      'LLM_MAX_OUTPUT_TOKENS',
      '4096',
      integer(1, 1_000_000),
      'Output tokens of a call made in an organization that does not ask for fewer or more: the bound its budget check reserves, and the `max_tokens` the model is sent.',
    ),
    maxProvidersPerOrg: setting('LLM_MAX_PROVIDERS_PER_ORG', '20', integer(1, 1000), 'Language model providers an organization may add.'),
  },
  (v) => ({ allow: parseAllowList(v.orgAllowedHosts), maxOutputTokens: v.maxOutputTokens, maxProvidersPerOrg: v.maxProvidersPerOrg }),
);

export type LlmAdminSettings = SettingsOf<typeof llmAdminSettings>;
