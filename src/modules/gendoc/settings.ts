// The gendoc module's slice of the configuration (decision 0034): how much of a codebase a run
// reads, and how much the optional LLM pass may ask for.
import { defineSettings, integer, type SettingsOf, setting } from '../../core/settings.ts';

export const gendocSettings = defineSettings({
  maxFiles: setting('GENDOC_MAX_FILES', '20000', integer(1, 1_000_000), 'Files of a snapshot a documentation run reads; past them the run fails with a clear error rather than make a partial reference.'),
  maxFileBytes: setting(
    'GENDOC_MAX_FILE_BYTES',
    '524288',
    integer(1, 50 * 1024 * 1024),
    'Largest source file whose structure is extracted (512 KiB); a larger one is listed with its size, not parsed (generated or minified code, mostly).',
  ),
  workerMaxMb: setting(
    'GENDOC_WORKER_MAX_MB',
    '512',
    integer(64, 16_384),
    'Heap of the worker thread a documentation run parses and renders in, in MB; a codebase that needs more fails its run (`GENDOC.TOO_LARGE`) instead of growing the server.',
  ),
  maxSummaries: setting('GENDOC_MAX_SUMMARIES', '40', integer(0, 10_000), 'Module summaries the optional LLM pass writes in one run at most (the largest modules first); each is one call against the asker\'s budgets.'),
});

export type GendocSettings = SettingsOf<typeof gendocSettings>;
