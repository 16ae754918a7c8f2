// What the archive readers (zip.ts, tar.ts) give the upload: each entry in archive order, as the
// archive describes it, with a way to read its bytes. The readers decode names (refusing what is
// not UTF-8) and count every byte they expand; the path rules and ignore rules are the upload's.
import type { Readable } from 'node:stream';
import { refuse } from '../refusal.ts';

export type EntryType = 'file' | 'folder' | 'symlink' | 'hardlink' | 'special';

export interface ArchiveEntry {
  /** The name as the archive gives it, decoded from UTF-8 (not yet checked: paths.ts). */
  name: string;
  type: EntryType;
  /** The size the archive declares: a hint to plan with, never trusted (the bytes are counted). */
  size: number;
}

/**
 * Called once per entry, in order; `open` gives the entry's bytes, counted against the caps as
 * they are read (an entry not opened is skipped unread where the format allows). The walk waits
 * for each visit, so a visit that reads must finish reading before it returns.
 */
export type Visit = (entry: ArchiveEntry, open: () => Promise<Readable>) => Promise<void>;

export interface ArchiveLimits {
  maxEntries: number;
  maxExpandedBytes: number;
  maxRatio: number;
}

/** Below this many expanded bytes no ratio is a bomb: small repetitive files compress very well. */
export const RATIO_FLOOR = 1024 * 1024;

/** Whether `expanded` bytes out of `compressed` pass the ratio limit (only past the floor). */
export const overRatio = (expanded: number, compressed: number, maxRatio: number) => expanded > RATIO_FLOOR && expanded > maxRatio * Math.max(compressed, 1);

/** Counts the bytes one walk expands, across its entries, and refuses past the cap. */
export function createMeter(maxExpandedBytes: number) {
  let total = 0;
  return {
    add(bytes: number, entry: string | null) {
      total += bytes;
      if (total > maxExpandedBytes) throw refuse('expanded_too_large', entry, `The archive expands to more than ${maxExpandedBytes} bytes`);
    },
    get total() {
      return total;
    },
  };
}
