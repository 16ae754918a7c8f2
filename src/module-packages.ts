// Modules from installed packages: MODULE_PACKAGES names them, each exports
// `trellisModule(sdk)` returning a module definition (src/sdk.ts, docs/modules.md). They join
// the modules of src/modules: ordered by `requires`, migrated, set up and served the same way.
import type { AnyModule } from './core/module.ts';
import { sdk } from './sdk.ts';

export class ModulePackageError extends Error {}

/** The definition a package gives, checked enough to name the package in the error. */
export async function loadModulePackage(name: string): Promise<AnyModule> {
  let exported: { trellisModule?: unknown };
  try {
    exported = await import(name);
  } catch (err) {
    throw new ModulePackageError(`module package "${name}" could not be loaded: ${(err as Error).message}`);
  }
  if (typeof exported.trellisModule !== 'function') throw new ModulePackageError(`module package "${name}" exports no trellisModule(sdk) function`);
  const definition = (exported.trellisModule as (s: typeof sdk) => unknown)(sdk) as Partial<AnyModule> | null;
  if (!definition || typeof definition.name !== 'string' || typeof definition.setup !== 'function' || typeof definition.requires !== 'object') {
    throw new ModulePackageError(`module package "${name}": trellisModule(sdk) did not return a module definition (name, requires, setup)`);
  }
  return definition as AnyModule;
}

export const loadModulePackages = (names: readonly string[]): Promise<AnyModule[]> => Promise.all(names.map(loadModulePackage));
