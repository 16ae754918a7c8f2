// The mixed read load: many connections taking turns through the reads that several users of
// the seeded workspace make as a real client would (profile, orgs, members, project
// lists with search, filters and sorts, a project and its tasks, a month of time entries with
// filters, the timer, timesheets, small reports, audit, webhooks, notifications, a job, now and
// then the OpenAPI document). RSS of the server is sampled every second from before the first
// request to the end, so the timeline shows the growth and the plateau.
import type { Workspace } from '../seed-workspace.ts';
import { type AutocannonRequest, type Measured, runLoad } from './autocannon.ts';
import { api, expectStatus } from './http.ts';
import { cpuTimeMs, memoryOf } from './proc.ts';
import type { ReadMixResult } from './report.ts';
import { toScenario } from './scenario.ts';

export interface ReadMixRequest {
  /** The route, for the report (ids replaced by their names). */
  route: string;
  path: string;
  token: string;
}

export interface ReadMixPlan {
  /** One list of requests per user. */
  perUser: { role: 'owner' | 'admin' | 'member'; requests: ReadMixRequest[] }[];
  /** Distinct routes in the mix. */
  routes: string[];
}

export interface MemorySample {
  /** Seconds since the start of the warm-up (the first sample is taken just before it). */
  t: number;
  rssMB: number;
}

export interface ReadMixRun {
  warmup: Measured;
  measured: Measured;
  timeline: MemorySample[];
}

const MB = (mib: number) => (mib * 1048576) / 1e6;

/**
 * Adds what the reads need to find on top of the seeded workspace, as a client would make it:
 * tasks in a few projects, project members, a running timer and a submitted timesheet for each
 * user of the mix, two webhook endpoints (disabled: nothing is delivered), and one report file
 * job per user (it also leaves a "report ready" notification). Then checks every request of the
 * plan once: the load must measure answers, not errors.
 */
export async function prepareReadMix(base: string, ws: Workspace, opts: { users: number; log: (m: string) => void }): Promise<ReadMixPlan> {
  const owner = ws.owner;
  const org = `/api/v1/orgs/${ws.orgId}`;
  const as = (token: string, method: string, path: string, body?: unknown) => api(base, method, path, { token, body });
  // The owner, one admin (users 1 and 2 are admins), the rest members.
  const chosen = [ws.users[0], ws.users[1], ...ws.users.slice(3, 3 + Math.max(0, opts.users - 2))];
  const roleOf = (i: number) => (i === 0 ? 'owner' : i === 1 ? 'admin' : 'member') as 'owner' | 'admin' | 'member';
  const projects = ws.projects.slice(0, 5);

  const tasks = new Map<string, string>();
  for (const p of projects) {
    for (let k = 1; k <= 3; k++) {
      const r = await as(owner.accessToken, 'POST', `${org}/projects/${p.id}/tasks`, { name: `Bench task ${k}`, estimateMinutes: 60 * k });
      expectStatus(r, 201, 'create task');
      if (k === 1) tasks.set(p.id, r.body.id);
    }
  }
  for (const [i, u] of chosen.entries()) {
    if (i < 2) continue;
    for (const p of projects) {
      expectStatus(await as(owner.accessToken, 'PUT', `${org}/projects/${p.id}/members/${u.userId}`, { role: 'contributor' }), 201, 'add project member');
    }
  }
  for (const p of projects.slice(0, 2)) {
    const r = await as(owner.accessToken, 'POST', `${org}/webhooks`, { url: `http://127.0.0.1:9/hooks/${p.key}`, events: ['projects.*', 'time.*'], enabled: false });
    expectStatus(r, 201, 'create webhook');
  }

  // The last full month of seeded entries, a week inside it, and its period name.
  const dayIn = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: ws.timeZone }).format(d);
  const today = dayIn(new Date());
  const monthEnd = dayIn(new Date(new Date(`${today.slice(0, 7)}-01T12:00:00Z`).getTime() - 86_400_000));
  const month = monthEnd.slice(0, 7);
  const monthStart = `${month}-01`;
  const weekFrom = `${month}-08`;
  const weekTo = `${month}-14`;

  const jobs = new Map<string, string>();
  for (const [i, u] of chosen.entries()) {
    const p = projects[i % projects.length];
    expectStatus(await as(u.accessToken, 'POST', `${org}/timer/start`, { projectId: p.id, taskId: tasks.get(p.id), description: 'Bench timer' }), 201, 'start timer');
    const sheet = await as(u.accessToken, 'POST', `${org}/timesheets/${month}/submit`);
    expectStatus(sheet, 200, 'submit timesheet');
    const job = await as(u.accessToken, 'POST', `${org}/reports/time/files`, { from: weekFrom, to: weekTo, format: 'csv' });
    expectStatus(job, 202, 'request report file');
    jobs.set(u.userId, job.body.jobId);
  }

  const perUser = chosen.map((u, i) => {
    const role = roleOf(i);
    const admin = i < 2;
    const p = projects[i % projects.length];
    const q = projects[(i + 1) % projects.length];
    const requests: ReadMixRequest[] = [];
    const add = (route: string, path: string) => requests.push({ route, path, token: u.accessToken });
    add('GET /users/me', '/api/v1/users/me');
    add('GET /orgs', '/api/v1/orgs');
    add('GET /orgs/{id}', org);
    add('GET /orgs/{id}/members', `${org}/members?limit=50`);
    add('GET /orgs/{id}/projects', `${org}/projects`);
    add('GET /orgs/{id}/projects?q', `${org}/projects?q=bench&limit=10`);
    add('GET /orgs/{id}/projects?q', `${org}/projects?q=${p.key.toLowerCase()}`);
    add('GET /orgs/{id}/projects?sort', `${org}/projects?sort=name&order=asc&limit=50`);
    add('GET /orgs/{id}/projects?sort', `${org}/projects?sort=activity`);
    add('GET /orgs/{id}/projects?filter', `${org}/projects?status=active&client=Contoso`);
    add('GET /orgs/{id}/projects?filter', `${org}/projects?member=${u.userId}&sort=updated`);
    add('GET /orgs/{id}/projects/{id}', `${org}/projects/${p.id}`);
    add('GET /orgs/{id}/projects/{id}/tasks', `${org}/projects/${p.id}/tasks`);
    add('GET /orgs/{id}/projects/{id}/members', `${org}/projects/${q.id}/members`);
    add('GET /orgs/{id}/time-entries', `${org}/time-entries?from=${monthStart}&to=${monthEnd}&limit=50`);
    add('GET /orgs/{id}/time-entries?filter', `${org}/time-entries?from=${monthStart}&to=${monthEnd}&projectId=${p.id}&limit=20`);
    add('GET /orgs/{id}/time-entries?filter', `${org}/time-entries?from=${weekFrom}&to=${weekTo}&billable=true`);
    if (admin) add('GET /orgs/{id}/time-entries?filter', `${org}/time-entries?from=${monthStart}&to=${monthEnd}&userId=${ws.users[5].userId}`);
    add('GET /orgs/{id}/timer', `${org}/timer`);
    add('GET /orgs/{id}/timesheets', `${org}/timesheets`);
    add('GET /orgs/{id}/reports/time', `${org}/reports/time?groupBy=project&from=${weekFrom}&to=${weekTo}`);
    add('GET /orgs/{id}/reports/time', `${org}/reports/time?groupBy=day&from=${weekFrom}&to=${weekTo}&billable=true`);
    if (admin) add('GET /orgs/{id}/reports/time', `${org}/reports/time?groupBy=user&from=${weekFrom}&to=${weekTo}&projectId=${p.id}`);
    if (admin) add('GET /orgs/{id}/audit', `${org}/audit?limit=20`);
    if (admin) add('GET /orgs/{id}/audit', `${org}/audit?type=projects.*&limit=10`);
    if (admin) add('GET /orgs/{id}/webhooks', `${org}/webhooks`);
    add('GET /notifications', '/api/v1/notifications?limit=10');
    add('GET /notifications?unread', '/api/v1/notifications?unread=true&limit=1');
    add('GET /jobs/{id}', `/api/v1/jobs/${jobs.get(u.userId)}`);
    return { role, requests };
  });
  // Now and then (about one request in 100) the OpenAPI document, as a client generator or the docs page would.
  const total = perUser.reduce((n, u) => n + u.requests.length, 0);
  for (let k = 0; k < Math.max(1, Math.round(total / 100)); k++) {
    const u = perUser[(k * 3) % perUser.length];
    u.requests.splice(Math.floor(u.requests.length / 2), 0, { route: 'GET /openapi.json', path: '/openapi.json', token: u.requests[0].token });
  }

  for (const u of perUser) {
    for (const r of u.requests) expectStatus(await api(base, 'GET', r.path, { token: r.token }), 200, `${u.role}: ${r.route} (${r.path})`);
  }
  const routes = [...new Set(perUser.flatMap((u) => u.requests.map((r) => r.route.split('?')[0])))];
  opts.log(`read mix: ${perUser.length} users, ${perUser.reduce((n, u) => n + u.requests.length, 0)} requests over ${routes.length} routes, each answered 200 once`);
  return { perUser, routes };
}

/**
 * Runs the mix with `connections` connections, first `warmupS` (not counted), then
 * `durationS` measured (req/s, latency, server CPU). RSS is sampled every second throughout.
 */
export async function runReadMix(opts: { base: string; pid: number; plan: ReadMixPlan; connections: number; warmupS: number; durationS: number }): Promise<ReadMixRun> {
  const { plan } = opts;
  const timeline: MemorySample[] = [];
  const t0 = performance.now();
  const sample = () => {
    const m = memoryOf(opts.pid);
    if (m) timeline.push({ t: Math.round((performance.now() - t0) / 100) / 10, rssMB: MB(m.rssMiB) });
  };
  sample();
  const sampler = setInterval(sample, 1000);
  // One sequence for all connections, the users' lists interleaved: each connection takes the
  // next request of it (autocannon resets a request's context after each request, so no state
  // per connection), so every moment mixes users and routes.
  const sequence: ReadMixRequest[] = [];
  for (let i = 0; sequence.length < plan.perUser.reduce((n, u) => n + u.requests.length, 0); i++) {
    for (const u of plan.perUser) if (i < u.requests.length) sequence.push(u.requests[i]);
  }
  let next = 0;
  const request: AutocannonRequest = {
    method: 'GET',
    setupRequest: (req) => {
      const r = sequence[next++ % sequence.length];
      return { ...req, method: 'GET', path: r.path, headers: { authorization: `Bearer ${r.token}` } };
    },
  };
  const run = async (durationS: number, measure: boolean): Promise<Measured> => {
    const cpuBefore = measure ? cpuTimeMs(opts.pid) : null;
    const result = await runLoad({ url: opts.base, connections: opts.connections, duration: durationS, timeout: 30, requests: [request] }).done;
    const cpuAfter = measure ? cpuTimeMs(opts.pid) : null;
    if (cpuBefore !== null && cpuAfter !== null) result.serverCpuMs = cpuAfter - cpuBefore;
    return result;
  };
  try {
    const warmup = await run(opts.warmupS, false);
    const measured = await run(opts.durationS, true);
    sample();
    return { warmup, measured, timeline };
  } finally {
    clearInterval(sampler);
  }
}

/** Peak and plateau (median of the last `lastS` seconds of samples) of a timeline. */
export function summarizeTimeline(timeline: MemorySample[], lastS = 10): { restMB: number; peakMB: number; plateauMB: number } {
  const end = timeline.at(-1)?.t ?? 0;
  const tail = timeline
    .filter((s) => s.t >= end - lastS)
    .map((s) => s.rssMB)
    .sort((a, b) => a - b);
  return {
    restMB: timeline[0]?.rssMB ?? Number.NaN,
    peakMB: Math.max(...timeline.map((s) => s.rssMB)),
    plateauMB: tail.length ? tail[Math.floor(tail.length / 2)] : Number.NaN,
  };
}

/** Prepares the mix on the seeded workspace, runs it, and summarizes it for the report. */
export async function readMixPhase(opts: {
  base: string;
  pid: number;
  ws: Workspace;
  users: number;
  connections: number;
  warmupS: number;
  durationS: number;
  log: (m: string) => void;
}): Promise<ReadMixResult> {
  const plan = await prepareReadMix(opts.base, opts.ws, { users: opts.users, log: opts.log });
  const run = await runReadMix({ base: opts.base, pid: opts.pid, plan, connections: opts.connections, warmupS: opts.warmupS, durationS: opts.durationS });
  const count = (role: string) => plan.perUser.filter((u) => u.role === role).length;
  const scenario = toScenario('read-mix', `mixed reads, ${plan.routes.length} routes as ${plan.perUser.length} users`, 'trellis', 'GET', '(mixed)', opts.connections, [run.measured]);
  const summary = summarizeTimeline(run.timeline);
  opts.log(
    `read mix: ${scenario.rps.toFixed(0)} req/s, p99 ${scenario.p99.toFixed(1)} ms, ${scenario.serverCpuUsPerRequest?.toFixed(0)} µs CPU/req; RSS ${summary.restMB.toFixed(0)} → peak ${summary.peakMB.toFixed(0)}, plateau ${summary.plateauMB.toFixed(0)} MB`,
  );
  return {
    connections: opts.connections,
    users: { owner: count('owner'), admin: count('admin'), member: count('member') },
    routes: plan.routes,
    warmupS: opts.warmupS,
    durationS: opts.durationS,
    scenario,
    timeline: run.timeline,
    ...summary,
  };
}
