import { describe, expect, it } from 'vitest';
import { isPattern, matchesAny, matchesPattern, normalizePatterns } from './patterns.ts';

describe('event type patterns', () => {
  it('accepts exact types, module wildcards and *', () => {
    for (const p of ['*', 'projects.*', 'projects.project_created', 'time.entry_created', 'webhooks.endpoint_disabled']) expect(isPattern(p), p).toBe(true);
    for (const p of ['', 'projects', 'projects.', '.created', 'projects.*.x', 'Projects.created', 'projects.pro*', '*.created', 'a.b.c', 'projects .x', '**']) {
      expect(isPattern(p), p).toBe(false);
    }
  });

  it('matches exact types, whole modules and everything', () => {
    expect(matchesPattern('*', 'projects.project_created')).toBe(true);
    expect(matchesPattern('projects.*', 'projects.project_created')).toBe(true);
    expect(matchesPattern('projects.*', 'projectsx.project_created')).toBe(false);
    expect(matchesPattern('projects.*', 'time.entry_created')).toBe(false);
    expect(matchesPattern('projects.project_created', 'projects.project_created')).toBe(true);
    expect(matchesPattern('projects.project_created', 'projects.project_created_twice')).toBe(false);
    expect(matchesPattern('projects.project', 'projects.project_created')).toBe(false);
    expect(matchesAny(['time.*', 'projects.task_created'], 'projects.task_created')).toBe(true);
    expect(matchesAny(['time.*', 'projects.task_created'], 'projects.task_deleted')).toBe(false);
    expect(matchesAny([], 'projects.task_created')).toBe(false);
  });

  it('normalizes: no duplicates, nothing a wildcard already covers, sorted', () => {
    expect(normalizePatterns(['time.*', 'projects.task_created', 'time.entry_created', 'time.*'])).toEqual(['projects.task_created', 'time.*']);
    expect(normalizePatterns(['projects.task_created', '*'])).toEqual(['*']);
    expect(normalizePatterns(['b.x', 'a.y'])).toEqual(['a.y', 'b.x']);
  });
});
