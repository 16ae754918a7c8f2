// The web_tools module's problems (decision 0028): what its LLM tools answer the model (and, through
// chat, the user) when a search or a page fetch cannot be done. None carries what an address
// resolved to or what a remote server said beyond its status: those go to the server's log.
import { defineProblem } from '../../core/errors.ts';

export const WebToolsProblems = {
  urlNotAllowed: defineProblem(
    'unprocessable',
    'WEB.URL_NOT_ALLOWED',
    'The URL, or one it redirects to, may not be fetched: http(s) only, no user name or password, a host with public addresses only (`WEB_FETCH_ALLOWED_HOSTS` for exceptions).',
  ),
  fetchFailed: defineProblem('unavailable', 'WEB.FETCH_FAILED', 'The page could not be fetched: no answer, an error status, or more than 3 redirects. `detail` says which.'),
  fetchTimeout: defineProblem('unavailable', 'WEB.FETCH_TIMEOUT', 'The page did not arrive within `WEB_FETCH_TIMEOUT`.'),
  unsupportedContent: defineProblem('unsupported_media_type', 'WEB.UNSUPPORTED_CONTENT', 'The page is not text: only HTML, plain text, Markdown and JSON are read.'),
  searchFailed: defineProblem('unavailable', 'WEB.SEARCH_FAILED', 'The search service did not answer, refused the server\'s key, or is rate-limiting it.'),
};
