// The web_tools module's slice of the configuration (decision 0034): the search service, and
// the caps of every page fetched for a model.
import { parseAllowList } from '../../core/net/allow-list.ts';
import { defineSettings, hostList, integer, millis, optional, type SettingsOf, setting, text, url } from '../../core/settings.ts';

export const webToolsSettings = defineSettings(
  {
    tavilyApiKey: setting('TAVILY_API_KEY', '', optional(text), "Tavily's API key (`tvly-…`) for the `web_tools.web_search` LLM tool; unset: the tool is offered to nobody. Never logged."),
    tavilyBaseUrl: setting('TAVILY_BASE_URL', 'https://api.tavily.com', url('http:', 'https:'), "Tavily's API (or a compatible server or gateway): `POST <url>/search`."),
    tavilyTimeoutMs: setting('TAVILY_TIMEOUT', '20s', millis(1000, 120_000), 'Longest wait for a search answer.'),
    fetchMaxBytes: setting('WEB_FETCH_MAX_BYTES', '2000000', integer(1024, 100_000_000), 'Bytes of a page `web_tools.fetch_page` reads at most (after decompression); the rest is not read and the text says `truncated`.'),
    fetchTimeoutMs: setting('WEB_FETCH_TIMEOUT', '10s', millis(500, 120_000), 'Longest a page fetch may take, redirects and body included.'),
    fetchMaxChars: setting('WEB_FETCH_MAX_CHARS', '20000', integer(500, 1_000_000), 'Characters of readable text a fetched page gives the model at most.'),
    fetchAllowedHosts: setting(
      'WEB_FETCH_ALLOWED_HOSTS',
      '',
      hostList,
      'Comma-separated host names, IP addresses or CIDR ranges that `web_tools.fetch_page` may reach although they are not public (an intranet wiki); empty: public addresses only.',
    ),
  },
  (v) => ({
    tavily: v.tavilyApiKey ? { apiKey: v.tavilyApiKey, baseUrl: v.tavilyBaseUrl.replace(/\/+$/, ''), timeoutMs: v.tavilyTimeoutMs } : null,
    fetch: { maxBytes: v.fetchMaxBytes, timeoutMs: v.fetchTimeoutMs, maxChars: v.fetchMaxChars, allow: parseAllowList(v.fetchAllowedHosts) },
  }),
);

export type WebToolsSettings = SettingsOf<typeof webToolsSettings>;
