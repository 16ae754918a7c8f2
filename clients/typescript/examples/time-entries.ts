// A sample a user of the client would write, in strict mode with no cast: a workspace, a
// project, an hour of time, a second entry that overlaps it (refused with 409
// TIME.ENTRY_OVERLAP, whose `clashes` name the first), then the entries, listed with the
// server's default page size. In a project of your own, import from '@trellis/client'.
//
// CI type-checks this file (clients/typescript/tsconfig.json) and runs trackTime() against a
// listening server (test/typed-client.test.ts).
import { createTrellisClient, requestIdOf, type TimeEntry } from '../src/index.ts';

export interface TrackTimeInput {
  /** The API's URL with its prefix, e.g. `https://trellis.example.com/api/v1`. */
  baseUrl: string;
  /** An access token (or an API key with the `orgs:write`, `projects:write` and `time:*` scopes). */
  token: string;
  /** The new organization's slug: unique on the server. */
  slug: string;
}

export interface TrackTimeResult {
  orgId: string;
  projectId: string;
  entry: TimeEntry;
  /** The ids the overlap refusal named. */
  clashIds: string[];
  /** The entries of the first page, and that page's size (the server's default). */
  listed: TimeEntry[];
  pageLimit: number;
}

export async function trackTime({ baseUrl, token, slug }: TrackTimeInput): Promise<TrackTimeResult> {
  const trellis = createTrellisClient({ baseUrl, token });

  // Defaults (time zone UTC, currency EUR) are optional: the document says what the server fills in.
  const org = await trellis.POST('/orgs', { body: { name: 'Acme', slug } });
  if (org.error) throw new Error(`creating the organization failed: ${org.error.code} (request ${org.error.requestId})`);
  const orgId = org.data.id;

  const project = await trellis.POST('/orgs/{orgId}/projects', { params: { path: { orgId } }, body: { name: 'Website', key: 'WEB' } });
  if (project.error) throw new Error(`creating the project failed: ${project.error.code} (request ${project.error.requestId})`);
  const projectId = project.data.id;

  const entries = '/orgs/{orgId}/time-entries';
  const first = await trellis.POST(entries, {
    params: { path: { orgId } },
    body: { projectId, start: '2026-03-02T09:00:00Z', end: '2026-03-02T10:00:00Z', description: 'Kick-off' },
  });
  if (first.error) throw new Error(`logging time failed: ${first.error.code} (request ${first.error.requestId})`);

  // Half an hour into the first entry: refused. The error is the union of the problems the
  // operation declares; `code` tells them apart, and only the overlap carries `clashes`.
  const second = await trellis.POST(entries, { params: { path: { orgId } }, body: { projectId, start: '2026-03-02T09:30:00Z', durationSeconds: 3600 } });
  let clashIds: string[] = [];
  if (second.error) {
    if (second.error.code === 'TIME.ENTRY_OVERLAP') {
      clashIds = second.error.clashes.map((clash) => clash.id);
    } else {
      throw new Error(`logging time failed: ${second.error.code} (request ${second.error.requestId})`);
    }
  } else {
    throw new Error(`an overlapping entry was accepted (request ${requestIdOf(second)})`);
  }

  // No `limit`: it is optional, and the page says which one the server applied.
  const list = await trellis.GET(entries, { params: { path: { orgId }, query: { projectId } } });
  if (list.error) throw new Error(`listing time failed: ${list.error.code} (request ${list.error.requestId})`);

  return { orgId, projectId, entry: first.data, clashIds, listed: list.data.data, pageLimit: list.data.page.limit };
}
