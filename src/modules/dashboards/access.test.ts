import { describe, expect, it } from 'vitest';
import { collectionAccess, dashboardAccess, type Grant, mayAdd } from './access.ts';

const me = '00000000-0000-7000-8000-000000000001';
const other = '00000000-0000-7000-8000-000000000002';

describe('dashboard access', () => {
  it('outside collections: everyone views, the creator and admins edit', () => {
    expect(dashboardAccess(me, 'viewer', { createdBy: other }, null)).toBe('view');
    expect(dashboardAccess(me, 'member', { createdBy: other }, null)).toBe('view');
    expect(dashboardAccess(me, 'member', { createdBy: me }, null)).toBe('edit');
    expect(dashboardAccess(me, 'admin', { createdBy: other }, null)).toBe('edit');
    expect(mayAdd(me, 'viewer', null)).toBe(false);
    expect(mayAdd(me, 'member', null)).toBe(true);
  });

  it('in a collection: the strongest matching grant, admins always edit', () => {
    const grants: Grant[] = [{ role: 'member', access: 'view' }, { userId: me, access: 'edit' }];
    expect(collectionAccess(me, 'viewer', grants)).toBe('edit');
    expect(collectionAccess(other, 'viewer', grants)).toBe('none');
    expect(collectionAccess(other, 'member', grants)).toBe('view');
    expect(collectionAccess(other, 'admin', [])).toBe('edit');
    // A creator has no rights of their own in a collection: the grants decide.
    expect(dashboardAccess(other, 'member', { createdBy: other }, [{ role: 'viewer', access: 'view' }])).toBe('view');
    expect(dashboardAccess(other, 'member', { createdBy: other }, [])).toBe('none');
    expect(mayAdd(other, 'member', grants)).toBe(false);
    expect(mayAdd(me, 'viewer', grants)).toBe(true);
  });
});
