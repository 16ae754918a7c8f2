// The codebase module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';

export const CodebaseProblems = {
  archiveRefused: defineProblem(
    'unprocessable',
    'CODEBASE.ARCHIVE_REFUSED',
    'The upload breaks a rule of the archive defence (docs/codebase.md): `reason` says which, `entry` names the entry (null when the whole archive is at fault). Nothing of the upload was kept.',
    {
      extensions: {
        reason: Type.String({ description: 'A stable reason code: path_traversal, absolute_path, drive_letter, backslash, invalid_name, not_utf8, link, special_file, name_clash, too_many_entries, expanded_too_large, ratio_exceeded, size_mismatch, unsupported_entry, corrupt, empty' }),
        entry: Type.Union([Type.String(), Type.Null()], { description: 'The offending entry\'s name as the archive gives it (undecodable bytes shown as U+FFFD), or null' }),
      },
    },
  ),
  snapshotNotFound: defineProblem('not_found', 'CODEBASE.SNAPSHOT_NOT_FOUND', 'No such snapshot of this project\'s codebase (or none uploaded yet).'),
  pathNotFound: defineProblem('not_found', 'CODEBASE.PATH_NOT_FOUND', 'No such file (or folder, for the tree) in this snapshot.'),
  gitImportFailed: defineProblem(
    'unprocessable',
    'CODEBASE.GIT_IMPORT_FAILED',
    'The Git import did not get the code: `reason` says why (url, scheme, redirect, auth, not_found, too_large, too_many_files, timeout, remote). Nothing was kept.',
    { extensions: { reason: Type.String({ description: 'A stable reason code' }) } },
  ),
  noGitSource: defineProblem('not_found', 'CODEBASE.NO_GIT_SOURCE', 'This project\'s codebase was never imported from Git: import it once (POST …/codebase/imports) before importing it again.'),
  exportTooLarge: defineProblem('payload_too_large', 'CODEBASE.EXPORT_TOO_LARGE', 'The Git bundle would hold more than it may (it is built in memory): export a ZIP of one snapshot instead.'),
  notSearchable: defineProblem(
    'conflict',
    'CODEBASE.NOT_SEARCHABLE',
    'The snapshot is not indexed yet (its indexing job runs after each upload and reports progress): try again once the snapshot shows `searchable: true`, or search an older snapshot.',
  ),
  uploadConflict: defineProblem(
    'conflict',
    'CODEBASE.UPLOAD_CONFLICT',
    'A snapshot was deleted while this upload was read, taking files the upload shared with it: nothing was kept; send the upload again.',
  ),
  uploadSessionNotFound: defineProblem(
    'not_found',
    'CODEBASE.UPLOAD_SESSION_NOT_FOUND',
    'No such upload session of yours on this project: never created, another member\'s, or past its expiry (its parts are then removed).',
  ),
  uploadSessionClosed: defineProblem(
    'conflict',
    'CODEBASE.UPLOAD_SESSION_CLOSED',
    'The upload session takes no more parts and no other completion: it is being completed, or is completed, failed or aborted (`sessionStatus`). Start a new session to upload again.',
    { extensions: { sessionStatus: Type.String({ description: 'The session\'s status: completing, completed, failed or aborted' }) } },
  ),
  partListMismatch: defineProblem(
    'unprocessable',
    'CODEBASE.PART_LIST_MISMATCH',
    'The parts listed to complete the upload are not the parts received (`parts` says which and why), or they do not add up to the size the session announced. Nothing changed: the session is still open.',
    {
      extensions: {
        parts: Type.Array(
          Type.Object({
            partNumber: Type.Integer(),
            problem: Type.String({ description: 'not_received (listed, never received), missing (received, not listed), sha256_differs, out_of_order (the list must ascend, each part once)' }),
          }),
        ),
      },
    },
  ),
  checksumMismatch: defineProblem(
    'unprocessable',
    'CODEBASE.CHECKSUM_MISMATCH',
    'The part\'s bytes do not have the SHA-256 its `x-checksum-sha256` or `Content-Digest` header announced: it was damaged on the way. Nothing of it was kept (a part sent before under that number stays); send it again.',
    { extensions: { expected: Type.String({ description: 'The announced SHA-256, hex' }), actual: Type.String({ description: 'The received bytes\' SHA-256, hex' }) } },
  ),
};
