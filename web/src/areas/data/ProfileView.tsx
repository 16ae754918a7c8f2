// A profile of a table or result (POST /queries/profile): per column its counts, range, mean,
// median and spread, a small histogram of numeric columns, the most frequent values, and the
// correlations between numeric columns. The histogram's bars are decoration; its text
// alternative says the range and the fullest bin.
import type { components } from '../../api/schema';
import { cellText } from './ResultTable';
import { ScrollBox } from './ScrollBox';

export type Profile = components['schemas']['DataProfile'];
type Column = components['schemas']['ColumnProfile'];

const count = new Intl.NumberFormat('en');
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 3 });
const num = (n: number | null | undefined) => (n === null || n === undefined ? '' : decimal.format(n));

export function ProfileView({ title, profile }: { title: string; profile: Profile }) {
  return (
    <section aria-labelledby="profile-title" className="profile">
      <h2 id="profile-title">{title}</h2>
      <p role="status">
        {count.format(profile.rowCount)} rows{profile.sampled ? ' (a sample: the first ones)' : ''}, {profile.columns.length} columns.
      </p>
      <ScrollBox label={`${title}: statistics per column`}>
        <table>
          <caption className="visually-hidden">{title}: statistics per column</caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">Values</th>
              <th scope="col">Empty</th>
              <th scope="col">Distinct</th>
              <th scope="col">Min</th>
              <th scope="col">Max</th>
              <th scope="col">Mean</th>
              <th scope="col">Median</th>
              <th scope="col">Std. dev.</th>
              <th scope="col">Distribution</th>
              <th scope="col">Most frequent</th>
            </tr>
          </thead>
          <tbody>
            {profile.columns.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.type}</td>
                <td>{count.format(c.count)}</td>
                <td>{count.format(c.nulls)}</td>
                <td>{count.format(c.distinct)}</td>
                <td>{c.min === null ? '' : cellText(c.min)}</td>
                <td>{c.max === null ? '' : cellText(c.max)}</td>
                <td>{num(c.mean)}</td>
                <td>{num(c.quantiles?.p50)}</td>
                <td>{num(c.stddev)}</td>
                <td>
                  <Histogram column={c} />
                </td>
                <td>
                  {c.topValues
                    .slice(0, 3)
                    .map((t) => `${cellText(t.value)} (${count.format(t.count)})`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
      {profile.correlations.length > 0 && (
        <>
          <h3>Correlations</h3>
          <ul className="links" aria-label="Correlations">
            {profile.correlations.map((k) => (
              <li key={`${k.a}-${k.b}`}>
                {k.a} and {k.b}: {k.pearson === null ? 'not defined' : decimal.format(k.pearson)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Histogram({ column }: { column: Column }) {
  const bins = column.histogram;
  if (!bins || bins.length === 0) return null;
  const most = Math.max(1, ...bins.map((b) => b.count));
  const fullest = bins.find((b) => b.count === most) ?? bins[0];
  const description = `${bins.length} bins from ${num(bins[0].from)} to ${num(bins[bins.length - 1].to)}; the fullest, ${num(fullest.from)} to ${num(fullest.to)}, holds ${count.format(fullest.count)}`;
  return (
    <div className="histogram" role="img" aria-label={`Histogram of ${column.name}: ${description}`}>
      {bins.map((b) => (
        <span key={`${b.from}-${b.to}`} style={{ height: `${Math.max(2, (b.count / most) * 100)}%` }} />
      ))}
    </div>
  );
}
