// Seeds a workspace for the time and report benchmarks against a running Trellis server on
// PostgreSQL: one org, 50 users, 20 projects and 100,000 time entries over the past year.
//
//   DATABASE_URL=postgres://… node bench/seed-workspace.ts --url http://127.0.0.1:3000 --mail-dir <DATA_DIR>/mail
//
// Users, the org, invitations and projects go through the HTTP API like a real client (the
// invitation token is read from the mail the server wrote to its DATA_DIR/mail folder).
// The entries do not: 100,000 POSTs would take minutes per run, so they are inserted by
// ONE set-based statement (generate_series) into time_tracking.entries, writing exactly
// what the time service would write for them (see insertEntries). Then ANALYZE, so the
// planner sees the real table.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { api, expectStatus } from './lib/http.ts';

export interface SeedOptions {
  base: string;
  databaseUrl: string;
  /** Where the server's file mailer writes (DATA_DIR/mail). */
  mailDir: string;
  users?: number;
  projects?: number;
  entries?: number;
  log?: (message: string) => void;
}

export interface SeededUser {
  userId: string;
  email: string;
  password: string;
  accessToken: string;
}

export interface Workspace {
  orgId: string;
  timeZone: string;
  /** The org's owner (an admin for every report rule). */
  owner: SeededUser;
  users: SeededUser[];
  projects: { id: string; key: string; hourlyRateMinor: number }[];
  entries: number;
  /** Oldest and newest entry start (ISO). */
  range: { from: string; to: string };
  seconds: { api: number; sql: number; analyze: number };
}

const PASSWORD = 'Bench-workspace-pw-7f3k';
const TIME_ZONE = 'Europe/Berlin';
const CURRENCY = 'EUR';
const CLIENTS = ['Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', null];

/** Runs `fn` over `items` with at most `n` at once; keeps order. */
async function pool<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

/** Decodes the text parts of a MIME message (quoted-printable or base64) into one string. */
function mailText(raw: string): string {
  const qp = (s: string) => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(Number.parseInt(h, 16)));
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  return parts
    .map((part) => {
      const cut = part.search(/\r?\n\r?\n/);
      const headers = cut < 0 ? '' : part.slice(0, cut);
      const body = cut < 0 ? part : part.slice(cut);
      if (/content-transfer-encoding:\s*base64/i.test(headers)) return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8');
      if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) return qp(body);
      return body;
    })
    .join('\n');
}

/** The invitation token mailed to each address (waits for the dispatcher to send them). */
async function invitationTokens(mailDir: string, emails: string[], timeoutMs = 60_000): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  while (found.size < emails.length) {
    let files: string[] = [];
    try {
      files = readdirSync(mailDir).filter((f) => f.endsWith('.eml') && !seen.has(f));
    } catch {
      // the folder appears with the first mail
    }
    for (const f of files) {
      seen.add(f);
      const raw = readFileSync(join(mailDir, f), 'utf8');
      const to = /^To:\s*(.+)$/im.exec(raw)?.[1] ?? '';
      const email = emails.find((e) => to.toLowerCase().includes(e.toLowerCase()));
      const token = /invitations\/accept\?token=([A-Za-z0-9_%-]+)/.exec(mailText(raw))?.[1];
      if (email && token) found.set(email, decodeURIComponent(token));
    }
    if (found.size < emails.length) {
      if (Date.now() > deadline) throw new Error(`invitation mails: ${found.size} of ${emails.length} found in ${mailDir} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return found;
}

async function signUp(base: string, email: string): Promise<SeededUser> {
  expectStatus(await api(base, 'POST', '/api/v1/auth/register', { body: { email, password: PASSWORD, displayName: email.split('@')[0] } }), 201, `register ${email}`);
  const login = await api(base, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
  expectStatus(login, 200, `login ${email}`);
  return { userId: login.body.user.id, email, password: PASSWORD, accessToken: login.body.accessToken };
}

/**
 * The entries, in one statement. Each user gets entries/users entries spread evenly over
 * the 365 days before today (UTC): on a day, slot k starts at 08:00 + k × 90 min plus up to
 * 10 min, and lasts 20–79 whole minutes, so one user's entries never overlap (10 + 79 < 90).
 * Project, duration and jitter come from a hash of (user, index): deterministic runs.
 * Written as the time service writes an entry: a UUIDv7 id (time of writing + random bits),
 * the project's rate copied onto the entry (no project-member or org-member rates exist
 * here, so the project's rate is the most specific), the project's currency or else the
 * org's, the project's billable default, created_by = the user, no task, no tags. Whole
 * minutes and no rounding rules, so rounded and raw durations agree (rounding-neutral).
 */
async function insertEntries(client: pg.Client, ws: { orgId: string; userIds: string[]; projects: { id: string; hourlyRateMinor: number; billable: boolean; currency: string }[] }, total: number) {
  const perUser = Math.floor(total / ws.userIds.length);
  const r = await client.query(
    `WITH u AS (SELECT * FROM unnest($2::uuid[]) WITH ORDINALITY AS u(user_id, ui)),
          p AS (SELECT * FROM unnest($3::uuid[], $4::bigint[], $5::boolean[], $6::text[]) WITH ORDINALITY AS p(project_id, rate, billable, currency, pi)),
          g AS (
            SELECT u.user_id, u.ui, i, (i * 365) / $7::int AS day, abs(hashtext(u.user_id::text || ':' || i)) AS h
            FROM u CROSS JOIN generate_series(0, $7::int - 1) AS i
          ),
          s AS (
            SELECT g.*, i - (day * $7::int + 364) / 365 AS slot,
                   date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => 365 - day::int) AS day_start
            FROM g
          ),
          e AS (
            SELECT s.user_id, p.project_id, p.rate, p.billable, p.currency, s.i,
                   s.day_start + make_interval(mins => 480 + slot::int * 90 + (h % 11)::int) AS start_at,
                   20 + ((h / 11) % 60)::int AS minutes
            FROM s JOIN p ON p.pi = 1 + ((s.ui * 7 + s.i / 5 + s.h % 3) % $8::int)
          )
     INSERT INTO time_tracking.entries
       (id, org_id, user_id, project_id, task_id, start_at, end_at, description, billable, tags, hourly_rate_minor, currency, created_by, created_at, updated_at)
     SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3)
             || substr('89ab', 1 + floor(random() * 4)::int, 1) || substr(md5(random()::text), 1, 15))::uuid,
            $1::uuid, e.user_id, e.project_id, NULL, e.start_at, e.start_at + make_interval(mins => e.minutes),
            'Seeded work #' || e.i, e.billable, '{}'::text[], e.rate, e.currency, e.user_id, now(), now()
     FROM e`,
    [
      ws.orgId,
      ws.userIds,
      ws.projects.map((p) => p.id),
      ws.projects.map((p) => p.hourlyRateMinor),
      ws.projects.map((p) => p.billable),
      ws.projects.map((p) => p.currency),
      perUser,
      ws.projects.length,
    ],
  );
  return r.rowCount ?? 0;
}

export async function seedWorkspace(opts: SeedOptions): Promise<Workspace> {
  const log = opts.log ?? (() => {});
  const userCount = opts.users ?? 50;
  const projectCount = opts.projects ?? 20;
  const entryCount = opts.entries ?? 100_000;
  const { base } = opts;
  const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const t0 = performance.now();

  // The owner, the org, then everyone else: registered, invited, accepted.
  const owner = await signUp(base, `owner-${stamp}@bench.local`);
  const org = await api(base, 'POST', '/api/v1/orgs', { token: owner.accessToken, body: { name: 'Bench Workspace', slug: `bench-${stamp}`, timezone: TIME_ZONE, currency: CURRENCY } });
  expectStatus(org, 201, 'create org');
  const orgId: string = org.body.id;
  const others = await pool(
    Array.from({ length: userCount - 1 }, (_, i) => `user${String(i + 1).padStart(2, '0')}-${stamp}@bench.local`),
    4,
    (email) => signUp(base, email),
  );
  await pool(others, 4, async (u, i) => {
    const role = i < 2 ? 'admin' : 'member';
    expectStatus(await api(base, 'POST', `/api/v1/orgs/${orgId}/invitations`, { token: owner.accessToken, body: { email: u.email, role } }), 201, `invite ${u.email}`);
  });
  const tokens = await invitationTokens(opts.mailDir, others.map((u) => u.email));
  await pool(others, 4, async (u) => {
    expectStatus(await api(base, 'POST', '/api/v1/invitations/accept', { token: u.accessToken, body: { token: tokens.get(u.email) } }), 200, `accept ${u.email}`);
  });
  log(`workspace: org ${orgId} with ${userCount} members`);

  const projects = await pool(
    Array.from({ length: projectCount }, (_, i) => i),
    4,
    async (i) => {
      const hourlyRateMinor = 8000 + (i % 8) * 1000;
      const body = {
        name: `Bench project ${i + 1}`,
        key: `BP${String(i + 1).padStart(2, '0')}`,
        client: CLIENTS[i % CLIENTS.length],
        hourlyRateMinor,
        billableDefault: i % 5 !== 4,
        budgetHours: 2000,
        budgetMinor: 20_000_000,
      };
      const res = await api(base, 'POST', `/api/v1/orgs/${orgId}/projects`, { token: owner.accessToken, body });
      expectStatus(res, 201, `create project ${body.key}`);
      return { id: res.body.id as string, key: body.key, hourlyRateMinor, billable: body.billableDefault, currency: (res.body.currency as string | null) ?? CURRENCY };
    },
  );
  const apiSeconds = (performance.now() - t0) / 1000;
  log(`workspace: ${projectCount} projects; API seeding took ${apiSeconds.toFixed(1)} s`);

  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  try {
    const t1 = performance.now();
    const inserted = await insertEntries(client, { orgId, userIds: [owner, ...others].map((u) => u.userId), projects }, entryCount);
    const sqlSeconds = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    await client.query('ANALYZE time_tracking.entries');
    const analyzeSeconds = (performance.now() - t2) / 1000;
    const span = await client.query('SELECT min(start_at) AS a, max(start_at) AS b FROM time_tracking.entries WHERE org_id = $1', [orgId]);
    log(`workspace: ${inserted} entries inserted in ${sqlSeconds.toFixed(1)} s, ANALYZE ${analyzeSeconds.toFixed(1)} s`);
    return {
      orgId,
      timeZone: TIME_ZONE,
      owner,
      users: [owner, ...others],
      projects: projects.map(({ id, key, hourlyRateMinor }) => ({ id, key, hourlyRateMinor })),
      entries: inserted,
      range: { from: new Date(span.rows[0].a).toISOString(), to: new Date(span.rows[0].b).toISOString() },
      seconds: { api: apiSeconds, sql: sqlSeconds, analyze: analyzeSeconds },
    };
  } finally {
    await client.end();
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const base = arg('url') ?? process.env.TRELLIS_URL ?? 'http://127.0.0.1:3000';
  const databaseUrl = process.env.DATABASE_URL;
  const mailDir = arg('mail-dir') ?? join(process.env.DATA_DIR ?? './data', 'mail');
  if (!databaseUrl) {
    process.stderr.write('DATABASE_URL is required (the server must run on PostgreSQL)\n');
    process.exit(1);
  }
  seedWorkspace({ base, databaseUrl, mailDir, entries: Number(arg('entries') ?? 100_000), log: (m) => process.stderr.write(`${m}\n`) }).then(
    (ws) => {
      process.stdout.write(`${JSON.stringify({ ...ws, users: ws.users.length, owner: { email: ws.owner.email, password: ws.owner.password } }, null, 2)}\n`);
    },
    (err) => {
      process.stderr.write(`seed failed: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
