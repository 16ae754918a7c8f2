// `npm run cli -- new-module <name>`: a module that follows every convention of the contract
// (docs/modules.md), made from the templates in templates/module: the manifest, routes, service,
// repository, schemas with named components, problems, events, a migration, a unit test beside
// the code and an HTTP suite in test/; then it is registered in MODULES (src/app.ts). The module
// passes `npm test` as generated (test/module-generator.test.ts proves it on a copy).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// Snake case for names of two words (`data_sources`): the schema and event prefix take it as it
// is, identifiers take it in camel case, URLs in kebab case.
const NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

export class NewModuleError extends Error {}

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascalCase = (name: string) => camelCase(name)[0].toUpperCase() + camelCase(name).slice(1);
const kebabCase = (name: string) => name.replaceAll('_', '-');

/**
 * The spellings the templates use: `data_sources` (schema, events, strings), `dataSources`
 * (before a capital: `__name__Module`), `data-sources` (in a URL path), `DataSources`, `DATA_SOURCES`.
 */
function fill(text: string, name: string): string {
  return text
    .replace(/__name__(?=[A-Z])/g, camelCase(name))
    .replaceAll('/__name__/', `/${kebabCase(name)}/`)
    .replaceAll('__name__', name)
    .replaceAll('__Name__', pascalCase(name))
    .replaceAll('__NAME__', name.toUpperCase());
}

function templates(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templates(path) : [path];
  });
}

/** Writes the module under `root` and registers it; returns the files written, relative to `root`. */
export function newModule(root: string, name: string): string[] {
  if (!NAME.test(name) || name.length < 2 || name.length > 31) throw new NewModuleError(`"${name}" is not a module name: lower-case letters and digits in snake case, 2 to 31 characters, a letter first`);
  const moduleDir = join(root, 'src/modules', name);
  if (existsSync(moduleDir)) throw new NewModuleError(`src/modules/${name} exists already`);
  const written: string[] = [];
  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { flag: 'wx' });
    written.push(relative(root, path));
  };
  const source = join(root, 'templates/module');
  for (const template of templates(source)) {
    write(join(moduleDir, fill(relative(source, template), name).replace(/\.tmpl$/, '')), fill(readFileSync(template, 'utf8'), name));
  }
  write(join(root, 'test', `${name}.test.ts`), fill(readFileSync(join(root, 'templates/module-test/module.test.ts.tmpl'), 'utf8'), name));
  register(join(root, 'src/app.ts'), name);
  written.push('src/app.ts');
  const snapshot = join(root, 'test/__snapshots__/operation-ids.txt');
  if (existsSync(snapshot)) {
    recordOperationIds(snapshot, name);
    written.push(relative(root, snapshot));
  }
  return written;
}

/**
 * Adds the new operations to the pinned list of operation ids (test/openapi-document.test.ts
 * keeps it, sorted as the test sorts): a new module's ids are new on purpose.
 */
function recordOperationIds(file: string, name: string) {
  const pascal = pascalCase(name);
  const items = `/orgs/{orgId}/${kebabCase(name)}/items`;
  const added = [
    `create${pascal}Item POST ${items}`,
    `list${pascal}Items GET ${items}`,
    `get${pascal}Item GET ${items}/{itemId}`,
    `delete${pascal}Item DELETE ${items}/{itemId}`,
    // Its public events, as the webhooks receivers get (decision 0036).
    `receive${pascal}ItemCreated WEBHOOK ${name}.item_created`,
    `receive${pascal}ItemDeleted WEBHOOK ${name}.item_deleted`,
  ];
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  writeFileSync(file, `${[...lines, ...added].sort().join('\n')}\n`);
}

/** Adds the module's import and its entry in MODULES; order there does not matter (`requires` decides). */
function register(appFile: string, name: string) {
  const text = readFileSync(appFile, 'utf8');
  const imports = [...text.matchAll(/^import \{ \w+Module \} from '\.\/modules\/[a-z0-9_]+\/index\.ts';$/gm)];
  const list = /^export const MODULES = \[([^\]]*)\] as const;$/m.exec(text);
  if (!imports.length || !list) throw new NewModuleError('src/app.ts has no module imports or no `export const MODULES = [...] as const;` line to extend');
  const last = imports[imports.length - 1];
  const at = (last.index ?? 0) + last[0].length;
  let out = `${text.slice(0, at)}\nimport { ${camelCase(name)}Module } from './modules/${name}/index.ts';${text.slice(at)}`;
  out = out.replace(list[0], `export const MODULES = [${list[1]}, ${camelCase(name)}Module] as const;`);
  writeFileSync(appFile, out);
}
