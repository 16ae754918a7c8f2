import { describe, expect, it } from 'vitest';
import { deriveTarget } from './target.ts';

const ORG = '01900000-0000-7000-8000-000000000001';
const USER = '01900000-0000-7000-8000-000000000002';
const PROJECT = '01900000-0000-7000-8000-000000000003';
const TASK = '01900000-0000-7000-8000-000000000004';
const ENTRY = '01900000-0000-7000-8000-000000000005';
const OTHER = '01900000-0000-7000-8000-000000000006';

describe('deriveTarget', () => {
  it.each([
    ['a time entry over its task, project and user', { entryId: ENTRY, userId: USER, projectId: PROJECT, taskId: TASK }, 'time_entry', ENTRY],
    ['a task over its project and org', { orgId: ORG, projectId: PROJECT, taskId: TASK, fields: ['name'] }, 'task', TASK],
    ['a project member change: the project, not the user', { orgId: ORG, projectId: PROJECT, userId: USER, role: 'viewer' }, 'project', PROJECT],
    ['a project created from a template: the project', { orgId: ORG, projectId: PROJECT, key: 'WEB', templateId: OTHER }, 'project', PROJECT],
    ['a template saved from a project: the template', { orgId: ORG, templateId: OTHER, sourceProjectId: PROJECT }, 'project_template', OTHER],
    ['an invitation over its org', { invitationId: OTHER, orgId: ORG, email: 'a@b.c', invitedBy: USER }, 'invitation', OTHER],
    ['an API key over its owner', { userId: USER, apiKeyId: OTHER, scopes: ['audit:read'] }, 'api_key', OTHER],
    ['the first of several revoked sessions', { userId: USER, sessionIds: [OTHER, ENTRY], reason: 'logout' }, 'session', OTHER],
    ['a timesheet over its user and approver', { timesheetId: OTHER, userId: USER, approverId: ENTRY }, 'timesheet', OTHER],
    ['a user', { userId: USER, fields: ['bio'] }, 'user', USER],
    ['a new org: not its owner or parent', { orgId: ORG, name: 'A', ownerId: USER, parentId: OTHER }, 'organization', ORG],
    ['an id field no list knows, over org and user', { orgId: ORG, endpointId: OTHER, url: 'https://x' }, 'endpoint', OTHER],
    ['a camel-case unknown id in snake case', { webhookEndpointIds: [OTHER] }, 'webhook_endpoint', OTHER],
  ])('%s', (_name, payload, type, id) => {
    expect(deriveTarget(payload)).toEqual({ type, id });
  });

  it('skips empty and null ids and falls through to the next candidate', () => {
    expect(deriveTarget({ taskId: null, projectId: '', sessionIds: [], userId: USER })).toEqual({ type: 'user', id: USER });
    expect(deriveTarget({ sessionIds: [null, '', OTHER] })).toEqual({ type: 'session', id: OTHER });
  });

  it('has no target when the payload names none', () => {
    expect(deriveTarget({ userId: null, reason: 'bad_credentials', ip: '1.2.3.4' })).toBeNull();
    expect(deriveTarget({ ownerId: USER })).toBeNull();
    expect(deriveTarget(null)).toBeNull();
    expect(deriveTarget(['x'])).toBeNull();
    expect(deriveTarget('x')).toBeNull();
  });

  it('ignores values that are not usable ids', () => {
    expect(deriveTarget({ projectId: 42, userId: USER })).toEqual({ type: 'user', id: USER });
    expect(deriveTarget({ projectId: 'x'.repeat(201), orgId: ORG })).toEqual({ type: 'organization', id: ORG });
  });
});
