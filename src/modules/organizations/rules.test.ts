import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { checkMemberChange, checkOwnersRemain, checkPlacement, checkSettings, effectiveRole, isCurrency, isSlug, ORG_ROLES, roleAtLeast } from './rules.ts';
import { isTimeZone } from '../../core/time/zones.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return `${err.kind}:${err.code}`;
    throw err;
  }
  return undefined;
}

describe('roleAtLeast', () => {
  it('orders owner > admin > member > viewer', () => {
    const table = ORG_ROLES.map((role) => ORG_ROLES.map((min) => roleAtLeast(role, min)));
    expect(table).toEqual([
      [true, true, true, true], // owner reaches everything
      [false, true, true, true], // admin
      [false, false, true, true], // member
      [false, false, false, true], // viewer
    ]);
  });
});

describe('effectiveRole (inheritance)', () => {
  it('is null without any membership on the chain', () => {
    expect(effectiveRole([])).toBeNull();
  });

  it('inherits the nearest ancestor membership', () => {
    expect(
      effectiveRole([
        { orgId: 'company', role: 'owner', distance: 2 },
        { orgId: 'division', role: 'member', distance: 1 },
      ]),
    ).toEqual({ role: 'member', inherited: true, sourceOrgId: 'division' });
  });

  it('a direct membership overrides an inherited one, even when it grants less', () => {
    expect(
      effectiveRole([
        { orgId: 'company', role: 'owner', distance: 1 },
        { orgId: 'dept', role: 'viewer', distance: 0 },
      ]),
    ).toEqual({ role: 'viewer', inherited: false, sourceOrgId: 'dept' });
  });
});

describe('checkPlacement (cycles and depth)', () => {
  it('refuses placing an org under itself or a descendant', () => {
    expect(codeOf(() => checkPlacement({ orgId: 'a', parentChain: ['a'], subtreeHeight: 1, maxDepth: 5 }))).toBe('conflict:ORG.HIERARCHY_CYCLE');
    // c is under b under a: moving a under c closes a loop.
    expect(codeOf(() => checkPlacement({ orgId: 'a', parentChain: ['c', 'b', 'a'], subtreeHeight: 3, maxDepth: 9 }))).toBe('conflict:ORG.HIERARCHY_CYCLE');
  });

  it('counts the parent chain plus the moved subtree against the limit', () => {
    // Parent at level 3, a subtree of 2 levels: the deepest node lands on level 5.
    expect(codeOf(() => checkPlacement({ orgId: 'x', parentChain: ['p3', 'p2', 'p1'], subtreeHeight: 2, maxDepth: 5 }))).toBeUndefined();
    expect(codeOf(() => checkPlacement({ orgId: 'x', parentChain: ['p3', 'p2', 'p1'], subtreeHeight: 3, maxDepth: 5 }))).toBe('conflict:ORG.MAX_DEPTH_EXCEEDED');
    // A new org (no id yet) under a parent on the last allowed level.
    expect(codeOf(() => checkPlacement({ orgId: null, parentChain: ['p2', 'p1'], subtreeHeight: 1, maxDepth: 2 }))).toBe('conflict:ORG.MAX_DEPTH_EXCEEDED');
    // Top level is always fine for a single org.
    expect(codeOf(() => checkPlacement({ orgId: 'x', parentChain: [], subtreeHeight: 1, maxDepth: 1 }))).toBeUndefined();
  });
});

describe('checkOwnersRemain (last owner)', () => {
  it('passes while every touched org keeps an owner and names the orphaned ones otherwise', () => {
    expect(codeOf(() => checkOwnersRemain([{ orgId: 'a', owners: 1 }, { orgId: 'b', owners: 3 }]))).toBeUndefined();
    try {
      checkOwnersRemain([{ orgId: 'a', owners: 2 }, { orgId: 'b', owners: 0 }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ kind: 'conflict', code: 'ORG.LAST_OWNER', details: { orgIds: ['b'] } });
    }
  });
});

describe('checkMemberChange (who may change whom)', () => {
  it('admin+ manages members; member and viewer cannot', () => {
    expect(codeOf(() => checkMemberChange({ actorRole: 'admin', actorIsTarget: false, targetRole: 'member', newRole: 'admin' }))).toBeUndefined();
    expect(codeOf(() => checkMemberChange({ actorRole: 'member', actorIsTarget: false, targetRole: 'viewer', newRole: 'member' }))).toBe('forbidden:FORBIDDEN');
    expect(codeOf(() => checkMemberChange({ actorRole: 'viewer', actorIsTarget: false, targetRole: 'viewer' }))).toBe('forbidden:FORBIDDEN');
  });

  it('only an owner grants owner or changes an owner', () => {
    expect(codeOf(() => checkMemberChange({ actorRole: 'admin', actorIsTarget: false, targetRole: 'member', newRole: 'owner' }))).toBe('forbidden:FORBIDDEN');
    expect(codeOf(() => checkMemberChange({ actorRole: 'admin', actorIsTarget: false, targetRole: 'owner', newRole: 'member' }))).toBe('forbidden:FORBIDDEN');
    expect(codeOf(() => checkMemberChange({ actorRole: 'admin', actorIsTarget: false, targetRole: 'owner' }))).toBe('forbidden:FORBIDDEN');
    expect(codeOf(() => checkMemberChange({ actorRole: 'owner', actorIsTarget: false, targetRole: 'owner', newRole: 'admin' }))).toBeUndefined();
  });

  it('anyone may leave, but not promote themselves', () => {
    expect(codeOf(() => checkMemberChange({ actorRole: 'viewer', actorIsTarget: true, targetRole: 'viewer' }))).toBeUndefined();
    expect(codeOf(() => checkMemberChange({ actorRole: 'owner', actorIsTarget: true, targetRole: 'owner' }))).toBeUndefined();
    expect(codeOf(() => checkMemberChange({ actorRole: 'viewer', actorIsTarget: true, targetRole: 'viewer', newRole: 'admin' }))).toBe('forbidden:FORBIDDEN');
  });
});

describe('input checks', () => {
  it('slugs are lowercase, 1-64 characters, no leading or trailing hyphen', () => {
    for (const ok of ['a', 'acme', 'acme-2', '9lives', 'a'.repeat(64)]) expect(isSlug(ok), ok).toBe(true);
    for (const bad of ['', 'Acme', '-acme', 'acme-', 'ac_me', 'ac me', 'a'.repeat(65), 'é']) expect(isSlug(bad), bad).toBe(false);
  });

  it('time zones are IANA names and currencies ISO 4217 codes', () => {
    expect(isTimeZone('Europe/Zurich')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isCurrency('CHF')).toBe(true);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('eur')).toBe(false);
    expect(codeOf(() => checkSettings({ timezone: 'UTC', currency: 'EUR' }))).toBeUndefined();
    expect(codeOf(() => checkSettings({ currency: 'ABC' }))).toBe('validation:VALIDATION_FAILED');
    expect(checkSettings({ timezone: 'europe/zurich', currency: 'CHF' })).toEqual({ timezone: 'Europe/Zurich', currency: 'CHF' });
  });
});
