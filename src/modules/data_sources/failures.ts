// How a source's failure reaches the caller: a test answers it as data; a query answers a
// problem that names the source (503 when the source is down, 422 when it refused the query).
import type { AppError } from '../../core/errors.ts';
import { ConnectorError } from '../../core/contributions.ts';
import { UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';
import { DataSourcesProblems } from './problems.ts';

export interface ConnectorFailure {
  kind: 'unreachable' | 'tls' | 'auth' | 'timeout' | 'permission' | 'query' | 'not_allowed';
  message: string;
}

/** The failure in plain words, or null when `err` is not a source's failure (a bug: rethrow it). */
export function describeFailure(err: unknown, source: { name: string }): ConnectorFailure | null {
  if (err instanceof UrlNotAllowedError) return { kind: 'not_allowed', message: `The host of "${source.name}" may not be reached from this server: it ${err.message}` };
  if (err instanceof ConnectorError) {
    const kind = err.kind === 'file' || err.kind === 'too_large' ? 'query' : err.kind === 'canceled' ? 'timeout' : err.kind;
    return { kind, message: err.message };
  }
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return { kind: 'timeout', message: `"${source.name}" did not answer in time` };
  return null;
}

/** The problem a failed query answers, naming the source. */
export function failureProblem(err: unknown, source: { id: string; name: string }): AppError | null {
  const failure = describeFailure(err, source);
  if (!failure) return null;
  const details = { sourceId: source.id, sourceName: source.name };
  switch (failure.kind) {
    case 'timeout':
      return DataSourcesProblems.queryTimeout.error(`The query on "${source.name}" ran past its time limit and was cancelled`, { details });
    case 'query':
    case 'permission':
      return DataSourcesProblems.queryFailed.error(`"${source.name}" refused the query: ${failure.message}`, { details });
    default:
      return DataSourcesProblems.unreachable.error(`"${source.name}" could not be reached: ${failure.message}`, { details });
  }
}
