// A refusal of an archive: the reason codes of the archive defence (docs/codebase.md) and the
// error that carries one with the entry at fault. Readers and rules throw it; the upload turns
// it into 422 CODEBASE.ARCHIVE_REFUSED once it has removed everything the upload kept.
import { CodebaseProblems } from './problems.ts';

export type RefusalReason =
  | 'path_traversal'
  | 'absolute_path'
  | 'drive_letter'
  | 'backslash'
  | 'invalid_name'
  | 'not_utf8'
  | 'link'
  | 'special_file'
  | 'name_clash'
  | 'too_many_entries'
  | 'expanded_too_large'
  | 'ratio_exceeded'
  | 'size_mismatch'
  | 'unsupported_entry'
  | 'corrupt'
  | 'empty';

export class ArchiveRefusal extends Error {
  readonly reason: RefusalReason;
  readonly entry: string | null;
  constructor(reason: RefusalReason, entry: string | null, message: string) {
    super(message);
    this.reason = reason;
    this.entry = entry;
  }
}

export const refuse = (reason: RefusalReason, entry: string | null, message: string) => new ArchiveRefusal(reason, entry, message);

/** The problem+json the client gets for a refusal. */
export const toProblem = (r: ArchiveRefusal) =>
  CodebaseProblems.archiveRefused.error(r.entry === null ? r.message : `${r.message}: ${r.entry}`, { details: { reason: r.reason, entry: r.entry } });
