// What a run answered: how many rows, how fast, whether the server cut it or served it from its
// cache (announced), then the rows.
import { ResultTable, type QueryResult } from './ResultTable';

const count = new Intl.NumberFormat('en');

export function resultSummary(result: QueryResult): string {
  const rows = `${count.format(result.rowCount)} ${result.rowCount === 1 ? 'row' : 'rows'}`;
  const cut = result.truncated ? ' (cut at the server’s limit: download or narrow the query for the rest)' : '';
  const when = result.cached ? 'from the cache' : `in ${count.format(Math.round(result.durationMs))} ms`;
  return `${rows}${cut}, ${when}.`;
}

export function ResultView({ result }: { result: QueryResult | undefined }) {
  if (!result) return null;
  return (
    <section aria-labelledby="result-title" className="result">
      <h2 id="result-title">Result</h2>
      <p role="status">{resultSummary(result)}</p>
      {result.columns.length > 0 && <ResultTable result={result} label="Result" />}
    </section>
  );
}
