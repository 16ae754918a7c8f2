// The organizations journey in the console, end to end in Chromium (issue #16): the start page
// lists my organizations and links to creating one; an organization and one under it; the
// header's switcher; members and roles; an invitation sent, arriving live in the invitee's
// inbox (no reload), accepted through the mailed link by that second person; the audit log with
// filters and its CSV; a webhook to a local receiver and its delivery log. Axe on every page,
// a screenshot of each, one at 390 px, and API refusals shown next to their fields.
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, cleanupProcesses } from '../processes.ts';
import { type ConsoleRun, expectAccessible, expectNoSidewaysScroll, mailedLink, newContext, SCREENSHOTS, screenshot, startConsoleRun } from './browser.ts';

const PASSWORD = 'Tr3llis-vine-climbs-high';
const suffix = `${process.pid}-${Date.now()}`;
const owner = `org-owner-${suffix}@example.test`;
const invitee = `org-invitee-${suffix}@example.test`;

/** A local webhook receiver on 127.0.0.1 (the server may reach it: WEBHOOK_ALLOWED_HOSTS). */
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
let receiver: HttpServer;
let receiverUrl: string;

let run: ConsoleRun;
let a: { page: Page; errors: string[] };
let b: { page: Page; errors: string[] };
let acmeId = '';
let eastId = '';

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/trellis-hook`;
  run = await startConsoleRun({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
  for (const [email, name] of [
    [owner, 'Olga Owner'],
    [invitee, 'Ivo Invitee'],
  ]) {
    const res = await api(run.server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: name });
    expect(res.status, res.text).toBe(201);
  }
  a = await newContext(run);
  b = await newContext(run);
}, 120_000);
afterAll(async () => {
  await run?.browser.close();
  receiver?.closeAllConnections();
  await new Promise((ok) => receiver?.close(ok));
  await cleanupProcesses();
});

/** expect.poll with room for a busy machine (two cores shared by several runs): 1 s is its default. */
const poll = <T>(probe: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) => expect.poll(probe, { timeout: 20_000, ...options });
const heading = (page: Page) => page.getByRole('heading', { level: 1 });
const orgNav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Areas' }).getByRole('link', { name, exact: true });
const inbox = (page: Page) => page.getByRole('banner').getByRole('link', { name: /^Inbox/ });

async function signIn(page: Page, email: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await poll(() => heading(page).textContent()).toBe('Welcome');
}

describe('the organizations journey', { timeout: 90_000 }, () => {
  it('starts on a home page that lists no organization and links to creating one', async () => {
    await signIn(a.page, owner);
    await poll(() => a.page.getByText('You belong to no organization yet').count()).toBe(1);
    await expectAccessible(a.page, 'home without organizations');
    await a.page.getByRole('link', { name: 'Create an organization' }).click();
    await poll(() => heading(a.page).textContent()).toBe('Create an organization');
  });

  it('creates an organization: a malformed slug is refused next to its field', async () => {
    const { page } = a;
    await page.getByLabel('Name', { exact: true }).fill('Acme Garden');
    const slug = page.getByLabel('Slug');
    // The slug follows the name until it is edited.
    expect(await slug.inputValue()).toBe('acme-garden');
    await slug.fill('Not a slug!');
    await page.getByRole('button', { name: 'Create the organization' }).click();
    await poll(() => slug.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').textContent()).toContain('Some fields need attention.');
    await expectAccessible(page, 'create organization with a refusal');
    await screenshot(page, 'org-create');
    await slug.fill(`acme-${suffix}`);
    await page.getByRole('button', { name: 'Create the organization' }).click();
    await poll(() => heading(page).textContent()).toBe('Acme Garden');
    acmeId = /\/orgs\/([0-9a-f-]{36})$/.exec(page.url())![1];
    expect(await page.getByText('Owner').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'organization overview');
    await screenshot(page, 'org-overview');
  });

  it('creates an organization under it, listed on the home page', async () => {
    const { page } = a;
    await page.getByRole('link', { name: 'Create an organization under Acme Garden' }).click();
    await poll(() => heading(page).textContent()).toBe('Create an organization');
    expect(await page.getByLabel('Under').inputValue()).toBe(acmeId);
    await page.getByLabel('Name', { exact: true }).fill('Acme East');
    await page.getByLabel('Slug').fill(`acme-east-${suffix}`);
    await page.getByRole('button', { name: 'Create the organization' }).click();
    await poll(() => heading(page).textContent()).toBe('Acme East');
    eastId = /\/orgs\/([0-9a-f-]{36})$/.exec(page.url())![1];
    expect(await page.getByRole('link', { name: 'Acme Garden' }).count()).toBe(1);
    await page.getByRole('link', { name: 'Trellis' }).click();
    const orgs = page.getByRole('list', { name: 'Your organizations' }).getByRole('listitem');
    await poll(() => orgs.count()).toBe(2);
    expect(await orgs.filter({ hasText: 'Acme East' }).textContent()).toContain('under Acme Garden');
    await expectAccessible(page, 'home with organizations');
    await screenshot(page, 'org-home');
  });

  it('switches organization with the header switcher, keeping the page', async () => {
    const { page } = a;
    await page.getByRole('list', { name: 'Your organizations' }).getByRole('link', { name: 'Acme East' }).click();
    await poll(() => heading(page).textContent()).toBe('Acme East');
    await orgNav(page, 'Members').click();
    await poll(() => heading(page).textContent()).toBe('Members of Acme East');
    // Its creator is its owner.
    await poll(() => page.getByRole('row', { name: new RegExp(owner) }).textContent()).toContain('Owner');
    const switcher = page.getByRole('combobox', { name: 'Organization' });
    expect(await switcher.inputValue()).toBe(eastId);
    await switcher.selectOption({ label: 'Acme Garden' });
    await poll(() => heading(page).textContent()).toBe('Members of Acme Garden');
    expect(page.url()).toBe(`${run.base}/orgs/${acmeId}/members`);
  });

  it('invites a second person, whose inbox shows it live, who accepts through the mailed link', async () => {
    // The second person has the inbox open, in another browser.
    await signIn(b.page, invitee);
    await inbox(b.page).click();
    await poll(() => heading(b.page).textContent()).toBe('Inbox');
    await poll(() => b.page.getByText('No notifications yet.').count()).toBe(1);
    await expectAccessible(b.page, 'empty inbox');

    const { page } = a;
    await page.getByLabel('Email').fill(invitee);
    await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption('member');
    await page.getByRole('button', { name: 'Send the invitation' }).click();
    await poll(() => page.getByRole('status').first().textContent()).toContain(`An invitation is mailed to ${invitee}.`);
    await poll(() => page.getByRole('list', { name: 'Pending invitations' }).getByRole('listitem').count()).toBe(1);
    await expectAccessible(page, 'members with a pending invitation');
    await screenshot(page, 'org-members');

    // Without a reload: the notification arrives in the list, the header counts it.
    const notes = b.page.getByRole('list', { name: 'Notifications' }).getByRole('listitem');
    await poll(() => notes.count(), { timeout: 20_000 }).toBe(1);
    expect(await notes.first().textContent()).toContain('You were invited to Acme Garden');
    await poll(() => inbox(b.page).textContent()).toBe('Inbox1 unread');
    await expectAccessible(b.page, 'inbox with a notification');
    await screenshot(b.page, 'inbox');
    await b.page.getByRole('button', { name: /^Mark read .You were invited to Acme Garden.$/ }).click();
    await poll(() => inbox(b.page).textContent()).toBe('Inbox');
    expect(await b.page.getByText('Nothing unread.').count()).toBe(1);

    // The mailed link opens the console; one button joins.
    await b.page.goto(await mailedLink(run, invitee, '/invitations/accept'));
    await poll(() => heading(b.page).textContent()).toBe('Join an organization');
    await expectAccessible(b.page, 'accept invitation');
    await b.page.getByRole('button', { name: 'Accept the invitation' }).click();
    await poll(() => b.page.getByRole('status').first().textContent()).toContain('You joined Acme Garden.');
    // Joining notifies too, and the header counts it without a reload; the switcher lists the org.
    await poll(() => inbox(b.page).textContent(), { timeout: 20_000 }).toBe('Inbox1 unread');
    await poll(() => b.page.getByRole('combobox', { name: 'Organization' }).locator('option', { hasText: 'Acme Garden' }).count()).toBe(1);
    await b.page.getByRole('link', { name: 'Open Acme Garden' }).click();
    await poll(() => heading(b.page).textContent()).toBe('Acme Garden');
    await inbox(b.page).click();
    await b.page.getByRole('button', { name: 'Mark all read' }).click();
    await poll(() => inbox(b.page).textContent()).toBe('Inbox');
  });

  it('lists members, changes a role, refuses to leave the organization without an owner, removes a member', async () => {
    const { page } = a;
    await page.reload();
    const row = page.getByRole('row', { name: new RegExp(invitee) });
    await poll(() => row.textContent()).toContain('Member');
    expect(await page.getByRole('list', { name: 'Pending invitations' }).getByRole('listitem').count()).toBe(0);
    await row.getByRole('combobox', { name: `New role of ${invitee}` }).selectOption('admin');
    await row.getByRole('button', { name: `Change the role of ${invitee}` }).click();
    await poll(() => page.getByRole('status').first().textContent()).toContain(`${invitee} is now Admin.`);
    await poll(() => row.getByRole('cell').first().textContent()).toBe('Admin');
    // The only owner cannot leave: the API's refusal is said above the list.
    await page.getByRole('button', { name: `Leave ${owner}` }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('would have no owner left');
    await expectAccessible(page, 'members with a refusal');
    // On a phone, the table scrolls inside its own box; the page does not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'org-members-390px');
    await expectNoSidewaysScroll(page);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: `Remove ${invitee}` }).click();
    await poll(() => page.getByRole('row', { name: new RegExp(invitee) }).count()).toBe(0);
    expect(await page.getByRole('status').first().textContent()).toContain(`${invitee} was removed.`);
  });

  it('shows the audit log, narrowed by filters, and downloads it as CSV', async () => {
    const { page } = a;
    await orgNav(page, 'Audit log').click();
    await poll(() => heading(page).textContent()).toBe('Audit log of Acme Garden');
    const rows = page.getByRole('table').locator('tbody tr');
    await poll(() => rows.count()).toBeGreaterThan(3);
    await expectAccessible(page, 'audit log');
    await screenshot(page, 'org-audit');
    // The dark theme's colours pass the same checks on the page with the table and the filters.
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expectAccessible(page, 'audit log, dark');
    await screenshot(page, 'org-audit-dark');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.getByLabel('Event type').fill('organizations.member_*');
    await page.getByLabel('Person').selectOption({ label: owner });
    await page.getByRole('button', { name: 'Apply the filters' }).click();
    // What the owner did to memberships: joining at creation, the role change, the removal (the invitee's own joining is theirs).
    await poll(async () => (await rows.locator('th').allTextContents()).sort()).toEqual([
      'organizations.member_added',
      'organizations.member_removed',
      'organizations.member_role_changed',
    ]);
    expect(await rows.filter({ hasText: 'member_role_changed' }).textContent()).toContain(owner);

    // A time range that ends before it starts is refused next to its field.
    await page.getByLabel('From').fill('2030-01-02T10:00');
    await page.getByLabel('Before').fill('2030-01-01T10:00');
    await page.getByRole('button', { name: 'Apply the filters' }).click();
    await poll(() => page.getByLabel('Before').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'audit log with a refusal');
    await page.getByLabel('From').fill('');
    await page.getByLabel('Before').fill('');
    await page.getByRole('button', { name: 'Apply the filters' }).click();
    await poll(() => page.getByLabel('Before').getAttribute('aria-invalid')).toBe(null);

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download as CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^audit-acme-.*\.csv$/);
    const csv = readFileSync((await file.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toContain('id,occurred_at,type,actor_id');
    expect(csv).toContain('organizations.member_role_changed');
    expect(csv).not.toContain('organizations.created');
    await poll(() => page.getByRole('status').filter({ hasText: 'The CSV file is downloaded.' }).count()).toBe(1);
  });

  it('creates a webhook to a local receiver, sends a test event and shows its delivery log', async () => {
    const { page } = a;
    await orgNav(page, 'Webhooks').click();
    await poll(() => heading(page).textContent()).toBe('Webhooks of Acme Garden');
    const url = page.getByLabel('URL');
    // An address that is not public is refused next to the field.
    await url.fill('http://169.254.169.254/latest');
    await page.getByRole('button', { name: 'Add the endpoint' }).click();
    await poll(() => url.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'webhooks with a refusal');
    await url.fill(receiverUrl);
    await page.getByLabel('Description (optional)').fill('Local receiver');
    await page.getByRole('button', { name: 'Add the endpoint' }).click();
    await poll(() => page.locator('#new-webhook-secret').textContent()).toMatch(/^whsec_/);
    const endpoints = page.getByRole('list', { name: 'Webhook endpoints' }).getByRole('listitem');
    await poll(() => endpoints.count()).toBe(1);
    await expectAccessible(page, 'webhooks');
    await screenshot(page, 'org-webhooks');

    await page.getByRole('link', { name: `Deliveries to ${receiverUrl}` }).click();
    await poll(() => heading(page).textContent()).toBe('Webhook deliveries');
    await page.getByRole('button', { name: 'Send a test event' }).click();
    const deliveries = page.getByRole('list', { name: 'Deliveries' }).getByRole('listitem');
    const test = deliveries.filter({ hasText: 'webhook.test' });
    // Sent by the job queue; the page asks again while a delivery is pending.
    await poll(() => test.textContent(), { timeout: 30_000 }).toContain('Delivered');
    expect(await test.textContent()).toContain('answered 204');
    const got = received.filter((r) => r.path === '/trellis-hook' && r.body.includes('"webhook.test"'));
    expect(got).toHaveLength(1);
    expect(got[0].headers['webhook-signature']).toMatch(/^v1,/);
    // Real events too: the endpoint's own creation (it listens to `*`), once the queue has sent it.
    await poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return deliveries.filter({ hasText: 'webhooks.endpoint_created' }).filter({ hasText: 'Delivered' }).count();
    }, { timeout: 30_000, interval: 500 }).toBe(1);
    await test.getByText('Request and answers').click();
    expect(await test.locator('pre').first().textContent()).toContain('"type":"webhook.test"');
    await expectAccessible(page, 'webhook deliveries');
    await screenshot(page, 'org-webhook-deliveries');
  });

  it('left no console error in either browser', () => {
    expect(a.errors, a.errors.join('\n')).toEqual([]);
    expect(b.errors, b.errors.join('\n')).toEqual([]);
  });
});
