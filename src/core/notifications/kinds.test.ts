import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../db/database.ts';
import type { DomainEvent } from '../events/types.ts';
import { nameOf } from '../http/schema-types.ts';
import { createNotificationKinds, notificationKind } from './kinds.ts';

const submitted = notificationKind({
  type: 'timesheet_submitted',
  description: 'A timesheet was submitted.',
  defaults: ['in_app'],
  event: 'time.timesheet_submitted',
  data: { name: 'SubmittedData', properties: { period: Type.String() } },
});
const signIn = notificationKind({
  type: 'new_sign_in',
  description: 'A new device.',
  defaults: ['in_app', 'email'],
  event: 'auth.logged_in',
  data: { name: 'SignInData', properties: {} },
});

const event = (payload: object) => ({ id: 'e1', orgId: null, payload }) as unknown as DomainEvent;
const ctx = { db: {} as Executor };

describe('notification kinds', () => {
  it('are declared with their defaults (SMS never on) and a data shape named and described for the API', () => {
    expect(submitted.defaults).toEqual({ in_app: true, email: false, sms: false });
    expect(signIn.defaults).toEqual({ in_app: true, email: true, sms: false });
    expect(nameOf(submitted.data)).toBe('SubmittedData');
    expect((submitted.data as { description?: string }).description).toBe('The data of a notification of type `timesheet_submitted`');
    expect(() => notificationKind({ type: 'New-Sign-In', description: '.', defaults: [], event: 'auth.logged_in', data: { name: 'X', properties: {} } })).toThrow(/snake_case/);
  });

  it('bound to a runtime, pass the facts their trigger picks to their compose', async () => {
    const handler = submitted.handle({
      trigger: (e) => (e.payload.period === '2026-W01' ? null : { period: e.payload.period }),
      compose: async (f) => ({ recipients: ['u1'], orgId: null, title: f.period, body: '', data: { period: f.period } }),
    });
    expect(await handler.trigger(event({ period: '2026-W01' }), ctx)).toBeNull();
    const facts = await handler.trigger(event({ period: '2026-W02' }), ctx);
    expect(facts).toEqual({ period: '2026-W02' });
    expect((await handler.compose(facts!))?.title).toBe('2026-W02');
  });
});

describe('the registry of notification kinds', () => {
  const declared = [
    { module: 'time', kinds: [submitted] },
    { module: 'auth', kinds: [signIn] },
  ];

  it('lists every kind, sorted by type, before any module is set up', () => {
    expect(createNotificationKinds(declared).kinds.map((k) => k.type)).toEqual(['new_sign_in', 'timesheet_submitted']);
  });

  it("refuses a type declared twice, a shared data shape, and a kind of another module's event", () => {
    expect(() => createNotificationKinds([...declared, { module: 'reports', kinds: [submitted] }])).toThrow('notification type "timesheet_submitted" is declared by "time" and "reports"');
    const twin = notificationKind({ type: 'timesheet_resubmitted', description: '.', defaults: [], event: 'time.timesheet_submitted', data: { name: 'SubmittedData', properties: {} } });
    expect(() => createNotificationKinds([{ module: 'time', kinds: [submitted, twin] }])).toThrow(/share the data shape "SubmittedData"/);
    expect(() => createNotificationKinds([{ module: 'projects', kinds: [submitted] }])).toThrow(/raised by "time.timesheet_submitted": a module declares kinds of its own events only/);
  });

  it('answers handlers only once every module is set up, and then every declared kind has one', () => {
    const rules = { trigger: () => null, compose: async () => null };
    const registry = createNotificationKinds(declared);
    expect(() => registry.handler('new_sign_in')).toThrow(/before every module was set up/);
    expect(() => registry.bind('auth', [submitted.handle(rules)])).toThrow('module "auth" handles notification type "timesheet_submitted", which it does not declare');
    registry.bind('time', [submitted.handle(rules)]);
    expect(() => registry.bind('time', [submitted.handle(rules)])).toThrow(/handled twice/);
    expect(() => registry.seal()).toThrow('notification kinds without a handler: "new_sign_in" (auth)');
    const signInHandler = signIn.handle(rules);
    registry.bind('auth', [signInHandler]);
    registry.seal();
    expect(registry.handler('new_sign_in')).toBe(signInHandler);
    expect(registry.handler('retired_kind')).toBeUndefined();
  });
});
