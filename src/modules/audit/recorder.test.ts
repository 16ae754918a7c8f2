import { describe, expect, it } from 'vitest';
import { createEventCatalog, Id, Payload } from '../../core/events/declarations.ts';
import type { DomainEvent } from '../../core/events/types.ts';
import { toAuditRow } from './recorder.ts';

const ORG = '01900000-0000-7000-8000-000000000001';
const OTHER_ORG = '01900000-0000-7000-8000-000000000002';
const USER = '01900000-0000-7000-8000-000000000003';

const event = (over: Partial<DomainEvent<any>> = {}): DomainEvent<any> => ({
  id: '01900000-0000-7000-8000-0000000000ee',
  type: 'projects.project_archived',
  version: 1,
  occurredAt: new Date('2026-03-01T10:00:00.123Z'),
  actorId: USER,
  orgId: ORG,
  requestId: 'req-1',
  apiKeyId: null,
  ip: '198.51.100.4',
  userAgent: 'curl/8',
  payload: { orgId: ORG, projectId: '01900000-0000-7000-8000-000000000004' },
  ...over,
});

/** The declaration the producer gives: the target is what it names, not guessed from the payload. */
const catalog = createEventCatalog([
  {
    name: 'projects',
    events: {
      'projects.project_archived': { description: 'archived', schema: Payload({ orgId: Id(), projectId: Id() }), version: 1, public: true, target: { type: 'project', field: 'projectId' } },
    },
  },
]);

describe('toAuditRow', () => {
  it('copies who, where and when from the event and files it under its declared target', () => {
    expect(toAuditRow(catalog, event())).toEqual({
      id: '01900000-0000-7000-8000-0000000000ee',
      type: 'projects.project_archived',
      occurred_at: new Date('2026-03-01T10:00:00.123Z'),
      actor_id: USER,
      api_key_id: null,
      org_id: ORG,
      target_type: 'project',
      target_id: '01900000-0000-7000-8000-000000000004',
      ip: '198.51.100.4',
      user_agent: 'curl/8',
      request_id: 'req-1',
      payload: { orgId: ORG, projectId: '01900000-0000-7000-8000-000000000004' },
    });
  });

  it("takes the org from the event's meta first, else a well-formed payload orgId", () => {
    expect(toAuditRow(catalog, event({ payload: { orgId: OTHER_ORG } })).org_id).toBe(ORG);
    expect(toAuditRow(catalog, event({ orgId: null, payload: { orgId: OTHER_ORG } })).org_id).toBe(OTHER_ORG);
    expect(toAuditRow(catalog, event({ orgId: null, payload: { orgId: 'not-an-id' } })).org_id).toBeNull();
    expect(toAuditRow(catalog, event({ orgId: null, payload: { userId: USER } })).org_id).toBeNull();
  });

  it('bounds client-supplied text and tolerates events from before the request context', () => {
    const row = toAuditRow(catalog, event({ userAgent: 'x'.repeat(2000), requestId: 'r'.repeat(500) }));
    expect(row.user_agent).toHaveLength(512);
    expect(row.request_id).toHaveLength(200);
    const old = toAuditRow(catalog, { ...event(), apiKeyId: undefined, ip: undefined, userAgent: undefined } as any);
    expect([old.api_key_id, old.ip, old.user_agent]).toEqual([null, null, null]);
  });

  it('redacts the payload', () => {
    expect(toAuditRow(catalog, event({ payload: { userId: USER, token: 't' } })).payload).toEqual({ userId: USER });
  });
});

describe('toAuditRow without a declaration', () => {
  it('files an event no module declares (one a newer version published) under no target', () => {
    const row = toAuditRow(catalog, event({ type: 'projects.something_new', payload: { projectId: ORG } }));
    expect([row.type, row.target_type, row.target_id]).toEqual(['projects.something_new', null, null]);
  });
});
