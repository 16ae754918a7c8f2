// API key scopes. Whoever checks a scope declares it (a module in its definition, core beside
// its routes); the app gathers the declarations into one registry (decision 0034). A key can be
// granted only a declared scope, and a route can check only a declared one: start-up refuses a
// route that names another, so the registry is the list of what keys can do.

/** A scope a route checks (`config.auth.scope`): `<resource>:<action>`, e.g. `projects:read`. */
export interface ApiScope {
  name: string;
  /** What a key with it may do, for people choosing a key's scopes. */
  description: string;
}

export interface DeclaredScope extends ApiScope {
  /** `core` or the module that declared it. */
  module: string;
}

export interface ScopeRegistry {
  has(name: string): boolean;
  /** Every declared scope, sorted by name. */
  list(): readonly DeclaredScope[];
}

export const SCOPE_NAME = /^[a-z][a-z_]*:[a-z][a-z_]*$/;

/** Throws on a malformed name or a scope declared twice (by one owner or two): a programming error. */
export function createScopeRegistry(owners: readonly { owner: string; scopes: readonly ApiScope[] }[]): ScopeRegistry {
  const byName = new Map<string, DeclaredScope>();
  for (const { owner, scopes } of owners) {
    for (const scope of scopes) {
      if (!SCOPE_NAME.test(scope.name)) throw new Error(`${owner} declares the API key scope "${scope.name}": a scope is <resource>:<action> in lower case`);
      const other = byName.get(scope.name);
      if (other) throw new Error(`the API key scope "${scope.name}" is declared by both ${other.module} and ${owner}`);
      byName.set(scope.name, { ...scope, module: owner });
    }
  }
  const sorted = Object.freeze([...byName.values()].sort((a, b) => a.name.localeCompare(b.name)));
  return { has: (name) => byName.has(name), list: () => sorted };
}
