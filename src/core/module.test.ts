import { describe, expect, it } from 'vitest';
import { ModuleGraphError, orderModules, watchedPeers } from './module.ts';

/** A definition as the graph sees it: its name, and what it requires under their names. */
const mod = (name: string, ...requires: string[]) => ({ name, requires: Object.fromEntries(requires.map((r) => [r, { name: r }])) });
type Mod = ReturnType<typeof mod>;
const names = (defs: { name: string }[]) => defs.map((d) => d.name);

/** The ModuleGraphError thrown by orderModules; fails the test if none is thrown. */
function graphError(defs: Mod[]): ModuleGraphError {
  try {
    orderModules(defs);
  } catch (err) {
    expect(err).toBeInstanceOf(ModuleGraphError);
    return err as ModuleGraphError;
  }
  throw new Error('orderModules accepted the graph');
}

describe('orderModules', () => {
  it('puts every module after the modules it requires', () => {
    const defs = [mod('billing', 'projects', 'users'), mod('projects', 'users', 'auth'), mod('users', 'auth'), mod('auth'), mod('audit')];
    const ordered = names(orderModules(defs));
    expect(ordered).toHaveLength(5);
    expect(new Set(ordered)).toEqual(new Set(names(defs)));
    for (const d of defs) {
      for (const r of Object.keys(d.requires)) expect(ordered.indexOf(r), `${r} before ${d.name}`).toBeLessThan(ordered.indexOf(d.name));
    }
  });

  it('keeps the given order where requires do not decide', () => {
    expect(names(orderModules([mod('c'), mod('a'), mod('b')]))).toEqual(['c', 'a', 'b']);
    expect(names(orderModules([mod('users', 'auth'), mod('auth')]))).toEqual(['auth', 'users']);
  });

  it('returns the same objects it was given', () => {
    const defs = [mod('b', 'a'), mod('a')];
    const ordered = orderModules(defs);
    expect(ordered[0]).toBe(defs[1]);
    expect(ordered[1]).toBe(defs[0]);
  });

  it('fails on a cycle and names it', () => {
    const err = graphError([mod('x'), mod('a', 'b'), mod('b', 'c'), mod('c', 'a')]);
    expect(err.message).toMatch(/cycle/);
    expect(err.message).toContain('a -> b -> c -> a');
  });

  it('fails on a module that requires itself', () => {
    expect(graphError([mod('a', 'a')]).message).toContain('a -> a');
  });

  it('fails on a missing module and names both ends', () => {
    const err = graphError([mod('users', 'auth'), mod('billing', 'users', 'payments'), mod('auth')]);
    expect(err.message).toContain('"billing"');
    expect(err.message).toContain('"payments"');
  });

  it('fails on two modules with one name', () => {
    expect(graphError([mod('a'), mod('b'), mod('a')]).message).toMatch(/share the name "a"/);
  });

  it('fails on a requirement given under another name than its own', () => {
    const err = graphError([mod('auth'), { name: 'users', requires: { identity: { name: 'auth' } } }]);
    expect(err.message).toContain('"users" requires "auth" under the key "identity"');
  });
});

describe('watchedPeers', () => {
  it('names the required façades setup never read', () => {
    const { peers, unused } = watchedPeers({ auth: { a: 1 }, organizations: { b: 2 }, projects: { c: 3 } });
    // What a setup does: destructure what it uses.
    const { auth, projects } = peers as { auth: unknown; projects: unknown };
    expect([auth, projects]).toEqual([{ a: 1 }, { c: 3 }]);
    expect(unused()).toEqual(['organizations']);
  });
});

