// Listing projects: full-text search, filters, the four sorts in both directions, and keyset
// pages that neither repeat nor skip, also when rows are added between pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, projectsUrl, putMember } from './projects-fixture.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let orgId: string;
let admin: U, member: U;
/** The app's clock: tests move it to give projects equal or ordered timestamps. */
let now = Date.now();

interface P {
  id: string;
  name: string;
  key: string;
  createdAt: string;
  updatedAt: string;
  lastActivityAt: string;
}
const all: P[] = [];

async function create(body: Record<string, unknown>, token = admin.accessToken): Promise<P> {
  const res = await call(t, token, 'POST', projectsUrl(orgId), body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  t = await createTestApp({ overrides: { clock: { now: () => new Date(now) } } });
  ({ orgId, admin, member } = await orgWithRoles(t));
  const specs: [string, string, Record<string, unknown>][] = [
    ['Alpha website', 'ALPHA', { description: 'Marketing website relaunch', client: 'ACME', tags: ['web', 'design'] }],
    ['beta app', 'BETA', { client: 'Globex', tags: ['mobile'] }],
    ['Gamma', 'GAMMA', { description: 'Data warehouse', client: 'acme', tags: ['data'] }],
    ['delta', 'DELTA', { tags: ['web'] }],
    ['Same name', 'SAME1', {}],
    ['same NAME', 'SAME2', { client: 'Initech' }],
    ['Epsilon', 'EPS', { tags: ['internal'] }],
  ];
  // Pairs share a creation instant so ties on the sort value are broken by id.
  for (const [i, [name, key, extra]] of specs.entries()) {
    now += i % 2 === 0 ? 1000 : 0;
    all.push(await create({ name, key, ...extra }));
  }
  // The member belongs to two projects only.
  await putMember(t, admin.accessToken, orgId, all[1].id, member.userId, 'contributor');
  await putMember(t, admin.accessToken, orgId, all[3].id, member.userId, 'viewer');
  // Activity: a task on the oldest project, then an update of another one.
  now += 1000;
  expect((await call(t, admin.accessToken, 'POST', projectsUrl(orgId, `/${all[0].id}/tasks`), { name: 'Kick-off' })).statusCode).toBe(201);
  now += 1000;
  expect((await call(t, admin.accessToken, 'PATCH', projectsUrl(orgId, `/${all[2].id}`), { description: 'Data warehouse v2' })).statusCode).toBe(200);
  now += 1000;
  expect((await call(t, admin.accessToken, 'POST', projectsUrl(orgId, `/${all[6].id}/archive`))).statusCode).toBe(200);
  const fresh = await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?limit=100'));
  for (const p of fresh.json().data as P[]) Object.assign(all.find((x) => x.id === p.id)!, p);
});
afterAll(() => t?.close());

/** Every id, page by page; fails on a repeated id. */
async function walk(query: string, limit: number, token = admin.accessToken, between?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await call(t, token, 'GET', projectsUrl(orgId, `?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.data.length).toBeLessThanOrEqual(limit);
    ids.push(...body.data.map((p: P) => p.id));
    cursor = body.page.nextCursor;
    expect(body.page.limit).toBe(limit);
    if (cursor && between) await between();
    if (++pages > 50) throw new Error('pagination does not end');
  } while (cursor);
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
const SORT_VALUE: Record<string, (p: P) => string> = {
  name: (p) => p.name.toLowerCase(),
  created: (p) => p.createdAt,
  updated: (p) => p.updatedAt,
  activity: (p) => p.lastActivityAt,
};
function expected(sort: string, order: 'asc' | 'desc', rows = all): string[] {
  const sign = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => sign * (cmp(SORT_VALUE[sort](a), SORT_VALUE[sort](b)) || cmp(a.id, b.id))).map((p) => p.id);
}

describe('projects list: sorts and keyset pages', () => {
  for (const sort of ['name', 'created', 'updated', 'activity']) {
    for (const order of ['asc', 'desc'] as const) {
      it(`sort=${sort}&order=${order}: pages of 2 give every project once, in order`, async () => {
        expect(await walk(`sort=${sort}&order=${order}`, 2)).toEqual(expected(sort, order));
        expect(await walk(`sort=${sort}&order=${order}`, 3)).toEqual(expected(sort, order));
      });
    }
  }

  it('the timestamps really tie and differ, so the test above checks tie-breaking', () => {
    expect(new Set(all.map((p) => p.createdAt)).size).toBeLessThan(all.length);
    expect(new Set(all.map((p) => p.createdAt)).size).toBeGreaterThan(2);
  });

  it('defaults: created, newest first; name ascending', async () => {
    expect(await walk('x=1', 4)).toEqual(expected('created', 'desc'));
    expect(await walk('sort=name', 4)).toEqual(expected('name', 'asc'));
  });

  it('activity: task changes and project updates move a project up', async () => {
    const ids = expected('activity', 'desc');
    expect(ids.slice(0, 3)).toEqual([all[6].id, all[2].id, all[0].id]);
    expect((await walk('sort=activity', 10)).slice(0, 3)).toEqual(ids.slice(0, 3));
  });

  it('a project created between pages neither repeats nor hides the others', async () => {
    const before = expected('created', 'asc');
    let added: P | undefined;
    const ids = await walk('sort=created&order=asc', 2, admin.accessToken, async () => {
      if (added) return;
      now += 1000;
      added = await create({ name: 'Late', key: 'LATE' });
    });
    expect(ids).toEqual([...before, added!.id]);
    all.push(added!);
  });

  it('a cursor belongs to its sort and order; garbage is a 400', async () => {
    const first = (await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?sort=name&limit=1'))).json();
    const cursor = encodeURIComponent(first.page.nextCursor);
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, `?sort=created&limit=1&cursor=${cursor}`)), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, `?sort=name&order=desc&limit=1&cursor=${cursor}`)), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?cursor=bm9wZQ')), 400, 'VALIDATION_FAILED');
    const forged = Buffer.from(JSON.stringify(['created', 'desc', 'not a date', all[0].id])).toString('base64url');
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, `?cursor=${forged}`)), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?sort=size')), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?limit=101')), 400, 'VALIDATION_FAILED');
  });
});

describe('projects list: search and filters', () => {
  const names = async (query: string, token = admin.accessToken) => {
    const res = await call(t, token, 'GET', projectsUrl(orgId, `?sort=name&limit=100&${query}`));
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data.map((p: P) => p.name);
  };

  it('q searches words of name, key, description, client and tags', async () => {
    expect(await names('q=website')).toEqual(['Alpha website']);
    expect(await names('q=warehouse')).toEqual(['Gamma']);
    expect(await names('q=globex')).toEqual(['beta app']);
    expect(await names('q=acme')).toEqual(['Alpha website', 'Gamma']);
    expect(await names('q=mobile')).toEqual(['beta app']);
    expect(await names('q=delta')).toEqual(['delta']);
    expect(await names(`q=${encodeURIComponent('marketing relaunch')}`)).toEqual(['Alpha website']);
    expect(await names(`q=${encodeURIComponent('acme -data')}`)).toEqual(['Alpha website']);
    expect(await names(`q=${encodeURIComponent('"same name"')}`)).toEqual(['Same name', 'same NAME']);
    expect(await names('q=nothinglikethis')).toEqual([]);
  });

  it('q matches key prefixes', async () => {
    expect(await names('q=AL')).toEqual(['Alpha website']);
    expect(await names('q=sam')).toEqual(['Same name', 'same NAME']);
    expect(await names('q=EP')).toEqual(['Epsilon']);
  });

  it('status, tag, client and member filters, alone and combined', async () => {
    expect(await names('status=archived')).toEqual(['Epsilon']);
    expect((await names('status=active')).includes('Epsilon')).toBe(false);
    expect(await names('tag=web')).toEqual(['Alpha website', 'delta']);
    expect(await names('client=ACME')).toEqual(['Alpha website', 'Gamma']);
    expect(await names(`member=${member.userId}`)).toEqual(['beta app', 'delta']);
    expect(await names(`member=${admin.userId}&tag=web&q=website`)).toEqual(['Alpha website']);
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?status=deleted')), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, admin.accessToken, 'GET', projectsUrl(orgId, '?member=me')), 400, 'VALIDATION_FAILED');
  });

  it('a member lists only their projects, through every filter and page', async () => {
    expect(await names('', member.accessToken)).toEqual(['beta app', 'delta']);
    expect(await names('tag=web', member.accessToken)).toEqual(['delta']);
    expect(await names('q=acme', member.accessToken)).toEqual([]);
    const mine = all.filter((p) => p.id === all[1].id || p.id === all[3].id);
    expect(await walk('sort=created', 1, member.accessToken)).toEqual(expected('created', 'desc', mine));
  });
});
