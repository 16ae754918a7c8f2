// Which files of an upload are left out: the defaults (dependencies, VCS folders, build output)
// and the codebase's own .gitignore files, each applying to its folder and below, as Git reads
// them (the `ignore` package: negations, anchors, `**`). Pure: the upload hands in the paths and
// the .gitignore texts it read; the answer says why each skipped file was skipped.
import ignore, { type Ignore } from 'ignore';

/** Folders no codebase snapshot keeps, wherever they are: dependencies, VCS data, build output, caches. */
export const DEFAULT_IGNORED = ['node_modules/', '.git/', '.hg/', '.svn/', 'dist/', 'build/', 'target/', '__pycache__/', '.DS_Store'];

export type SkipReason = 'default_ignored' | 'gitignore' | 'too_large' | 'binary';

export interface Skipped {
  path: string;
  reason: SkipReason;
  /** The rule or file that decided it: the default pattern, the .gitignore's path, the size cap. */
  detail: string;
}

/** The `.gitignore` texts of a codebase by path (`.gitignore`, `src/.gitignore`). */
export function createIgnoreRules(gitignores: ReadonlyMap<string, string>) {
  const defaults = DEFAULT_IGNORED.map((pattern) => ({ pattern, rule: ignore().add(pattern) }));
  // Deepest folders last: a deeper .gitignore decides after (and so over) a shallower one.
  const levels: { folder: string; file: string; rule: Ignore }[] = [...gitignores.entries()]
    .map(([file, text]) => ({ folder: file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '', file, rule: ignore().add(text) }))
    .sort((a, b) => a.folder.split('/').length - b.folder.split('/').length);

  /** Why `path` is left out, or null when it is kept. */
  return function skipReason(path: string): Skipped | null {
    const hit = defaults.find((d) => d.rule.ignores(path));
    if (hit) return { path, reason: 'default_ignored', detail: hit.pattern };
    let decided: string | null = null;
    for (const level of levels) {
      if (!path.startsWith(level.folder) || path === level.file) continue;
      const verdict = level.rule.test(path.slice(level.folder.length));
      if (verdict.ignored) decided = level.file;
      else if (verdict.unignored) decided = null;
    }
    return decided ? { path, reason: 'gitignore', detail: decided } : null;
  };
}
