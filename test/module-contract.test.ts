// The typed module contract (issue #11, decision 0030): a module requires other modules'
// definitions, so its peers' façades and the app's `apis` are typed by inference, with no cast.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Apis, MODULES } from '../src/app.ts';
import { defineModule, orderModules } from '../src/core/module.ts';
import { defineSettings, integer, setting } from '../src/core/settings.ts';
import { type ProjectsApi, projectsModule } from '../src/modules/projects/index.ts';
import { type TimeApi, timeModule } from '../src/modules/time/index.ts';

describe('the module contract', () => {
  it("types the app's apis from the module definitions", () => {
    expectTypeOf<Apis['projects']>().toEqualTypeOf<ProjectsApi>();
    expectTypeOf<Apis['time']>().toEqualTypeOf<TimeApi>();
    // @ts-expect-error: no module is called `billing`.
    expectTypeOf<Apis['billing']>().toBeUnknown();
  });

  it('gives setup the required façades, typed, under their names', () => {
    const probe = defineModule({
      name: 'probe',
      requires: { projects: projectsModule, time: timeModule },
      setup(_core, peers) {
        expectTypeOf(peers.projects).toEqualTypeOf<ProjectsApi>();
        expectTypeOf(peers.time.aggregate).toBeFunction();
        // @ts-expect-error: `organizations` is not required, so it is not given.
        void peers.organizations;
        return { api: { ready: true } };
      },
    });
    expectTypeOf(probe.name).toEqualTypeOf<'probe'>();
    // Ordered after what it requires, which come after theirs.
    const order: string[] = orderModules([probe, ...MODULES]).map((m) => m.name);
    for (const before of ['organizations', 'projects', 'time']) expect(order.indexOf(before)).toBeLessThan(order.indexOf('probe'));
  });

  it('gives setup its own settings, typed from its slice (decision 0034)', () => {
    const shelf = defineSettings({ max: setting('PROBE_SHELF_MAX', '10', integer(1, 100), 'Most items.') }, (v) => ({ maxItems: v.max }));
    defineModule({
      name: 'probe',
      requires: {},
      settings: shelf,
      scopes: [{ name: 'probe:read', description: 'Read probes.' }],
      setup(core) {
        expectTypeOf(core.settings).toEqualTypeOf<{ maxItems: number }>();
        return { api: {} };
      },
    });
    defineModule({
      name: 'plain',
      requires: {},
      setup(core) {
        // A module without a slice gets none.
        expectTypeOf(core.settings).toBeUndefined();
        return { api: {} };
      },
    });
  });

  it('refuses a requirement given under another name than its own', () => {
    const misnamed = { name: 'probe', requires: { projekte: projectsModule } };
    expect(() => orderModules([misnamed, ...MODULES])).toThrow(/requires "projects" under the key "projekte"/);
  });
});
