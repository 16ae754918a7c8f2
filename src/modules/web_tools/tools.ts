// The LLM tools of the web_tools module (contributions: `llmTools`): a web search through Tavily,
// and reading one page. Neither touches an organization's data, so neither needs a role: the
// search is offered when the operator gave a key, the page reader always. What they bring back
// is other people's text, and is handed to the model as untrusted data (core/llm/tool-result.ts).
import { Type } from 'typebox';
import type { LlmTool } from '../../core/contributions.ts';
import { Line, Nullable } from '../../core/http/schema-types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Resolver } from '../../core/net/ssrf-guard.ts';
import { fetchPage } from './fetch-page.ts';
import type { WebToolsSettings } from './settings.ts';
import { tavilySearch } from './tavily.ts';

const WebSearchInput = Type.Object({
  query: Line(400, { description: 'What to search the web for' }),
  maxResults: Type.Integer({ minimum: 1, maximum: 10, default: 5 }),
  depth: Type.Union([Type.Literal('basic'), Type.Literal('advanced')], { default: 'basic', description: 'advanced: better snippets, slower (and twice the cost)' }),
  topic: Type.Union([Type.Literal('general'), Type.Literal('news')], { default: 'general' }),
});

const WebSearchOutput = Type.Object({
  answer: Nullable(Type.String({ description: "The search service's own short answer, when it has one" })),
  results: Type.Array(
    Type.Object({
      title: Type.String(),
      url: Type.String({ description: 'Cite it when you use this result' }),
      content: Type.String({ description: 'A snippet of the page' }),
      score: Type.Number({ description: 'Relevance, 0 to 1' }),
    }),
  ),
});

const FetchPageInput = Type.Object({
  url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', examples: ['https://example.com/article'], description: 'An http(s) URL of a public page' }),
});

const FetchPageOutput = Type.Object({
  url: Type.String({ description: 'Where the page was read, after redirects: cite this' }),
  title: Nullable(Type.String()),
  contentType: Type.String(),
  text: Type.String({ description: 'The readable text: the article of an HTML page, or the text, Markdown or JSON as sent' }),
  truncated: Type.Boolean({ description: 'The page is longer than what was read or answered' }),
});

export function webTools(deps: { settings: WebToolsSettings; log: Logger; resolve?: Resolver }): LlmTool<any, any>[] {
  const { settings, log } = deps;

  const webSearch: LlmTool<typeof WebSearchInput, typeof WebSearchOutput> = {
    name: 'web_tools.web_search',
    description: 'Searches the web and answers ranked results, each with its title, URL and a snippet. Cite the URL of every result you use; read a page in full with web_tools__fetch_page.',
    input: WebSearchInput,
    output: WebSearchOutput,
    // Without a key there is no search: the tool is offered to nobody.
    allowed: async () => settings.tavily !== null,
    async run(input, ctx) {
      if (!settings.tavily) throw new Error('web_search ran without TAVILY_API_KEY: runTool checks allowed() first');
      return tavilySearch(settings.tavily, { query: input.query, maxResults: input.maxResults, depth: input.depth, topic: input.topic }, ctx.signal, log);
    },
  };

  const fetchPageTool: LlmTool<typeof FetchPageInput, typeof FetchPageOutput> = {
    name: 'web_tools.fetch_page',
    description:
      'Reads one public web page (HTML, plain text, Markdown or JSON) and answers its title and readable text. Only public http(s) addresses; ' +
      'redirects are followed (at most 3); long pages are cut.',
    input: FetchPageInput,
    output: FetchPageOutput,
    allowed: async () => true,
    async run(input, ctx) {
      const { maxBytes, timeoutMs, maxChars, allow } = settings.fetch;
      const page = await fetchPage(input.url, { maxBytes, timeoutMs, allow, resolve: deps.resolve, signal: ctx.signal });
      // linkedom and Readability load with the first page read, not with the server (decision 0065).
      const { readableText } = await import('./readable.ts');
      const { title, text } = readableText(page.body, page.mediaType);
      const cut = text.length > maxChars;
      return { url: page.url, title, contentType: page.mediaType, text: cut ? `${text.slice(0, maxChars)}…` : text, truncated: page.truncated || cut };
    },
  };

  return [webSearch, fetchPageTool];
}
