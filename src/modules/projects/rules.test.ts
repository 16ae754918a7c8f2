import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import {
  isCurrency,
  isValidKey,
  normalizeTags,
  type OrgRole,
  type ProjectRole,
  projectRights,
  requireRight,
  resolveNewProject,
  type TemplateContent,
  templateOf,
} from './rules.ts';

const ORG_ROLES: OrgRole[] = ['owner', 'admin', 'member', 'viewer'];
const PROJECT_ROLES: (ProjectRole | null)[] = ['manager', 'contributor', 'viewer', null];

/** The expected rights, written out as a table so a change to the rules shows here. */
const EXPECTED: Record<OrgRole, Record<string, [see: boolean, contribute: boolean, manage: boolean]>> = {
  owner: { manager: [true, true, true], contributor: [true, true, true], viewer: [true, true, true], none: [true, true, true] },
  admin: { manager: [true, true, true], contributor: [true, true, true], viewer: [true, true, true], none: [true, true, true] },
  member: { manager: [true, true, true], contributor: [true, true, false], viewer: [true, false, false], none: [false, false, false] },
  viewer: { manager: [true, false, false], contributor: [true, false, false], viewer: [true, false, false], none: [false, false, false] },
};

const codeOf = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return `${(err as AppError).kind}:${(err as AppError).code}`;
  }
};

describe('projects rules: rights by org role × project role', () => {
  for (const orgRole of ORG_ROLES) {
    for (const projectRole of PROJECT_ROLES) {
      const [see, contribute, manage] = EXPECTED[orgRole][projectRole ?? 'none'];
      it(`org ${orgRole}, project ${projectRole ?? 'none'}: see=${see} contribute=${contribute} manage=${manage}`, () => {
        const rights = projectRights(orgRole, projectRole);
        expect(rights).toEqual({ canSee: see, canContribute: contribute, canManage: manage });
        // What the routes answer for each need: 404 hides the project, 403 refuses the act.
        const hidden = 'not_found:PROJECTS.NOT_FOUND';
        const refused = 'forbidden:FORBIDDEN';
        expect(codeOf(() => requireRight(rights, 'read'))).toBe(see ? null : hidden);
        expect(codeOf(() => requireRight(rights, 'contribute'))).toBe(!see ? hidden : contribute ? null : refused);
        expect(codeOf(() => requireRight(rights, 'manage'))).toBe(!see ? hidden : manage ? null : refused);
      });
    }
  }

  it('an org viewer never writes, even as project manager', () => {
    expect(projectRights('viewer', 'manager')).toMatchObject({ canContribute: false, canManage: false });
  });
});

describe('projects rules: keys, tags, currencies', () => {
  it('accepts short upper-case codes starting with a letter', () => {
    for (const key of ['WE', 'WEB', 'A1', 'PROJ2024', 'ABCDEFGHIJ']) expect(isValidKey(key), key).toBe(true);
  });
  it('refuses lower case, a leading digit, one letter, more than 10 characters and symbols', () => {
    for (const key of ['web', 'Web', '1AB', 'A', 'ABCDEFGHIJK', 'AB-C', 'AB C', '', 'ÄB']) expect(isValidKey(key), key).toBe(false);
  });
  it('normalizes tags: trimmed, without blanks or duplicates, order kept', () => {
    expect(normalizeTags([' web ', 'client', 'web', '  ', 'Web'])).toEqual(['web', 'client', 'Web']);
  });
  it('knows ISO 4217 codes', () => {
    expect(isCurrency('EUR')).toBe(true);
    expect(isCurrency('CHF')).toBe(true);
    expect(isCurrency('JPY')).toBe(true);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('eur')).toBe(false);
  });
});

describe('projects rules: templates', () => {
  const template: TemplateContent = {
    tags: ['web', 'fixed'],
    settings: { client: 'ACME', color: '#112233', billableDefault: false, hourlyRateMinor: 9000, budgetHours: 40, budgetMinor: 360000, currency: 'EUR' },
    tasks: [
      { name: 'Design', estimateMinutes: 120 },
      { name: 'Build', estimateMinutes: null },
    ],
  };

  it('a new project without a template gets the defaults', () => {
    expect(resolveNewProject({ name: '  Site ', key: 'SITE' })).toEqual({
      name: 'Site',
      key: 'SITE',
      description: null,
      client: null,
      tags: [],
      color: null,
      budgetHours: null,
      budgetMinor: null,
      currency: null,
      billableDefault: true,
      hourlyRateMinor: null,
    });
  });

  it('the template fills what the request leaves out', () => {
    expect(resolveNewProject({ name: 'Site', key: 'SITE' }, template)).toEqual({
      name: 'Site',
      key: 'SITE',
      description: null,
      tags: ['web', 'fixed'],
      ...template.settings,
    });
  });

  it('request fields override the template, and an explicit null clears a template value', () => {
    const p = resolveNewProject({ name: 'Site', key: 'SITE', client: 'Globex', tags: ['x'], hourlyRateMinor: null, billableDefault: true, color: '#ABCDEF' }, template);
    expect(p).toMatchObject({ client: 'Globex', tags: ['x'], hourlyRateMinor: null, billableDefault: true, color: '#abcdef', budgetMinor: 360000, currency: 'EUR' });
  });

  it('a template keeps settings, tags and task names with estimates, and is a copy', () => {
    const project = { tags: ['a'], ...template.settings };
    const content = templateOf(project, [{ name: 'T1', estimateMinutes: 30, status: 'done', assigneeId: 'x' } as any]);
    expect(content).toEqual({ tags: ['a'], settings: template.settings, tasks: [{ name: 'T1', estimateMinutes: 30 }] });
    project.tags.push('b');
    expect(content.tags).toEqual(['a']);
  });
});
