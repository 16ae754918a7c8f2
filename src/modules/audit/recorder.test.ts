import { describe, expect, it } from 'vitest';
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

describe('toAuditRow', () => {
  it('copies who, where and when from the event and derives the target', () => {
    expect(toAuditRow(event())).toEqual({
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
    expect(toAuditRow(event({ payload: { orgId: OTHER_ORG } })).org_id).toBe(ORG);
    expect(toAuditRow(event({ orgId: null, payload: { orgId: OTHER_ORG } })).org_id).toBe(OTHER_ORG);
    expect(toAuditRow(event({ orgId: null, payload: { orgId: 'not-an-id' } })).org_id).toBeNull();
    expect(toAuditRow(event({ orgId: null, payload: { userId: USER } })).org_id).toBeNull();
  });

  it('bounds client-supplied text and tolerates events from before the request context', () => {
    const row = toAuditRow(event({ userAgent: 'x'.repeat(2000), requestId: 'r'.repeat(500) }));
    expect(row.user_agent).toHaveLength(512);
    expect(row.request_id).toHaveLength(200);
    const old = toAuditRow({ ...event(), apiKeyId: undefined, ip: undefined, userAgent: undefined } as any);
    expect([old.api_key_id, old.ip, old.user_agent]).toEqual([null, null, null]);
  });

  it('redacts the payload', () => {
    expect(toAuditRow(event({ payload: { userId: USER, token: 't' } })).payload).toEqual({ userId: USER });
  });
});
