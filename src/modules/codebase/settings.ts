// The codebase module's slice of the configuration (decision 0034): how big an upload may be,
// and the caps an archive is held to while it is read (docs/codebase.md, "Archive defence").
import { parseAllowList } from '../../core/net/allow-list.ts';
import { defineSettings, hostList, integer, millis, oneOf, secondsAtMost, type SettingsOf, setting } from '../../core/settings.ts';

const GIB = 1024 * 1024 * 1024;

export const codebaseSettings = defineSettings(
  {
  maxUploadBytes: setting(
    'CODEBASE_MAX_UPLOAD_BYTES',
    '209715200',
    integer(1, 5 * GIB),
    'Largest codebase upload (the archive or single file as sent), in bytes (200 MiB); a larger body is refused with 413 `STORAGE.TOO_LARGE` while it streams, and nothing is kept.',
  ),
  maxEntries: setting('CODEBASE_MAX_ENTRIES', '50000', integer(1, 1_000_000), 'Entries (files, folders, links) an uploaded archive may hold; more: 422 `CODEBASE.ARCHIVE_REFUSED` (`too_many_entries`).'),
  maxExpandedBytes: setting(
    'CODEBASE_MAX_EXPANDED_BYTES',
    '1073741824',
    integer(1, 100 * GIB),
    'Bytes an uploaded archive may expand to (1 GiB), counted while it is read, whatever its headers declare; more: 422 `CODEBASE.ARCHIVE_REFUSED` (`expanded_too_large`).',
  ),
  maxRatio: setting(
    'CODEBASE_MAX_RATIO',
    '200',
    integer(2, 100_000),
    'Largest compression ratio of an archive entry (or of a whole .tar.gz) once it has expanded past 1 MiB; more is a bomb: 422 `CODEBASE.ARCHIVE_REFUSED` (`ratio_exceeded`).',
  ),
  maxFileBytes: setting(
    'CODEBASE_MAX_FILE_BYTES',
    '5242880',
    integer(1, 5 * GIB),
    'Largest file of a codebase that is kept (5 MiB; never above STORAGE_MAX_UPLOAD_BYTES); a larger one is skipped (`too_large`) and listed in the upload\'s answer.',
  ),
  binaries: setting(
    'CODEBASE_BINARIES',
    'keep',
    oneOf('keep', 'skip'),
    '`keep`: files that are binary by their content are stored, marked `binary` and only ever downloaded; `skip`: they are left out (`binary`) and listed in the upload\'s answer.',
  ),
    gitMaxBytes: setting(
      'CODEBASE_GIT_MAX_BYTES',
      '209715200',
      integer(1, 5 * GIB),
      'Bytes a Git import may download (200 MiB, the pack mostly); past them the clone is cut and nothing is kept (422 `CODEBASE.GIT_IMPORT_FAILED`, `too_large`). The files it holds are then held to CODEBASE_MAX_ENTRIES and CODEBASE_MAX_EXPANDED_BYTES.',
    ),
    searchMaxBlobBytes: setting(
      'CODEBASE_SEARCH_MAX_BYTES',
      '1048576',
      integer(1, 100 * 1024 * 1024),
      'Bytes of a text file indexed for search (1 MiB), once per content; a longer file is searchable up to its last whole line within them. Lines are searched up to their first 1,000 characters.',
    ),
    uploadPartMaxBytes: setting(
      'CODEBASE_UPLOAD_PART_MAX_BYTES',
      '67108864',
      integer(1, 5 * GIB),
      'Largest part of a resumable upload (64 MiB; never above STORAGE_MAX_UPLOAD_BYTES, each part being one stored file); a larger one is refused with 413 `STORAGE.TOO_LARGE` while it streams. The parts together are held to CODEBASE_MAX_UPLOAD_BYTES.',
    ),
    uploadMaxParts: setting('CODEBASE_UPLOAD_MAX_PARTS', '10000', integer(1, 10_000), 'Parts a resumable upload may have (numbered 1 to this).'),
    uploadSessionTtlSeconds: setting(
      'CODEBASE_UPLOAD_SESSION_EXPIRY',
      '24h',
      secondsAtMost(30 * 86_400),
      'How long a resumable upload session stays open from its creation (`24h`, `90m`, at most `30d`); a sweep every 10 minutes then removes it and its parts.',
    ),
    gitTimeoutMs: setting('CODEBASE_GIT_TIMEOUT', '2m', millis(1000, 3_600_000), 'Longest a Git import may take to clone (`timeout` past it).'),
    gitAllowedHosts: setting(
      'CODEBASE_GIT_ALLOWED_HOSTS',
      '',
      hostList,
      'Comma-separated host names, IP addresses or CIDR ranges a Git import may reach although they are not public (a Git server on the LAN), and over plain HTTP; empty: public HTTPS hosts only.',
    ),
  },
  (v) => ({ ...v, gitAllow: parseAllowList(v.gitAllowedHosts) }),
);

export type CodebaseSettings = SettingsOf<typeof codebaseSettings>;
