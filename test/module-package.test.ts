// A module from an installed package (issue #11, decision 0037): test/fixtures/packages/
// trellis-module-kudos, installed as a dev dependency, named in MODULE_PACKAGES and nowhere
// else. Its migration runs, its routes serve and appear in /openapi.json, its event is declared,
// audited and listed as a webhook, its subscriber keeps its read model and its notification kind
// reaches the recipient: no file of core or
// of any other module names it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModulePackage, ModulePackageError } from '../src/module-packages.ts';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { addMember, createOrg, newUser, type U } from './workspace.ts';

const PACKAGE = 'trellis-module-kudos';
let t: TestApp;
let owner: U;
let orgId: string;

beforeAll(async () => {
  // Its own database (createTestApp makes one), migrated at start: the package's migration applies there.
  t = await createTestApp({ env: { MODULE_PACKAGES: PACKAGE, MIGRATE_ON_START: 'true' } });
  owner = await newUser(t);
  orgId = (await createOrg(t, owner.accessToken)).id;
});
afterAll(async () => t?.close());

const give = (token: string, body: Record<string, unknown>, org = orgId) => t.request({ method: 'POST', url: `/api/v1/orgs/${org}/kudos`, headers: bearer(token), payload: body });

describe('a module from a package', () => {
  it('is migrated, serves its routes and keeps its read model through its subscriber', async () => {
    const member = await addMember(t, owner.accessToken, orgId, 'member');
    const res = await give(owner.accessToken, { toUserId: member.userId, message: ' Thanks for the review! ' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ orgId, fromUserId: owner.userId, toUserId: member.userId, message: 'Thanks for the review!' });
    expect((await give(member.accessToken, { toUserId: owner.userId, message: 'And for the plan' })).statusCode).toBe(201);
    expect((await give(member.accessToken, { toUserId: owner.userId, message: 'Again' })).statusCode).toBe(201);
    await t.drain();
    const received = await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/kudos/received`, headers: bearer(member.accessToken) });
    expect(received.json()).toEqual({ data: [{ userId: owner.userId, count: 2 }, { userId: member.userId, count: 1 }] });
    // Its façade is there for modules that require it.
    expect(await (t.app.apis as unknown as Record<string, { receivedBy(o: string, u: string): Promise<number> }>).kudos.receivedBy(orgId, owner.userId)).toBe(2);
  });

  it('answers its own problems, and organizations keeps its tenants apart', async () => {
    expectProblem(await give(owner.accessToken, { toUserId: owner.userId, message: 'Me' }), 400, 'KUDOS.TO_SELF');
    const stranger = await newUser(t);
    expectProblem(await give(owner.accessToken, { toUserId: stranger.userId, message: 'Hi' }), 404, 'KUDOS.RECIPIENT_NOT_FOUND');
    expectProblem(await give(stranger.accessToken, { toUserId: owner.userId, message: 'Hi' }), 404, 'ORG.NOT_FOUND');
    expectProblem(await give(owner.accessToken, { toUserId: 'nope', message: 'Hi' }), 400, 'VALIDATION_FAILED');
  });

  it('declares its event: audited under its target, delivered to webhooks, listed in the document and the event graph', async () => {
    const member = await addMember(t, owner.accessToken, orgId, 'viewer');
    const kudos = (await give(owner.accessToken, { toUserId: member.userId, message: 'Welcome' })).json();
    await t.drain();
    const audit = await t.request({ method: 'GET', url: `/api/v1/orgs/${orgId}/audit?type=kudos.given`, headers: bearer(owner.accessToken) });
    expect(audit.json().data.find((r: { targetId: string }) => r.targetId === kudos.id)).toMatchObject({ type: 'kudos.given', targetType: 'kudos', actorId: owner.userId });

    const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/orgs/{orgId}/kudos', '/orgs/{orgId}/kudos/received']));
    expect(doc.webhooks['kudos.given'].post.operationId).toBe('receiveKudosGiven');
    expect(doc.tags.map((tag: { name: string }) => tag.name)).toContain('kudos');

    const row = t.app.eventGraph().find((e) => e.type === 'kudos.given');
    expect(row).toMatchObject({ producer: 'kudos', public: true, consumers: ['audit.record', 'kudos.count_received', 'notifications.notify_kudos_received', 'webhooks.fan_out'] });
  });

  it('raises its notification kind: the recipient reads it in the app and gets the mail', async () => {
    const member = await addMember(t, owner.accessToken, orgId, 'member');
    await give(owner.accessToken, { toUserId: member.userId, message: 'Great demo' });
    for (let i = 0; i < 5; i++) if ((await t.drain()) + (await t.runJobs()) === 0) break;
    const inbox = await t.request({ method: 'GET', url: '/api/v1/notifications', headers: bearer(member.accessToken) });
    expect(inbox.json().data).toContainEqual(
      expect.objectContaining({ type: 'kudos_received', title: 'You received kudos', data: expect.objectContaining({ orgId, fromUserId: owner.userId, message: 'Great demo' }) }),
    );
    expect(t.mailer.sent.filter((m) => m.to === member.email).map((m) => m.subject)).toContain('You received kudos');
    const prefs = await t.request({ method: 'GET', url: '/api/v1/notifications/preferences', headers: bearer(member.accessToken) });
    expect(JSON.stringify(prefs.json())).toContain('kudos_received');
  });

  it('is named by no file of src/: the package and MODULE_PACKAGES are all it takes', () => {
    const named: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (/kudos/i.test(readFileSync(path, 'utf8'))) named.push(path);
      }
    };
    walk(join(process.cwd(), 'src'));
    expect(named).toEqual([]);
  });

  it('refuses a package that is not installed, or exports no module', async () => {
    await expect(loadModulePackage('trellis-module-that-is-not-installed')).rejects.toThrow(ModulePackageError);
    await expect(loadModulePackage('uuidv7')).rejects.toThrow(/"uuidv7" exports no trellisModule\(sdk\) function/);
  });
});
