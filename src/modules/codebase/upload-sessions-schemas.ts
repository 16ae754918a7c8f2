// The contract of resumable uploads (upload-sessions.ts): a session, its parts, its completion.
import { Type } from 'typebox';
import { Line, named, Nullable, Timestamp, Uuid } from '../../core/http/schema-types.ts';

const Sha256 = (description: string) => Type.String({ pattern: '^[0-9a-fA-F]{64}$', description, examples: ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'] });
const PartNumber = Type.Integer({ minimum: 1, maximum: 10_000, description: 'The part\'s place in the upload, from 1 (at most CODEBASE_UPLOAD_MAX_PARTS); gaps are allowed' });

export const SessionParams = Type.Object({ orgId: Uuid(), projectId: Uuid(), sessionId: Uuid() });
export const PartParams = Type.Object({ orgId: Uuid(), projectId: Uuid(), sessionId: Uuid(), partNumber: PartNumber });

export const CreateSessionBody = Type.Object({
  name: Line(200, { description: 'The upload\'s file name (`src.zip`), as `?name=` of the plain upload: the snapshot\'s name, and a single file\'s path when `path` is not given' }),
  path: Type.Optional(Line(1024, { description: 'As `?path=` of the plain upload: the parts make one file, kept at this path (the current snapshot\'s other files carried over)' })),
  totalBytes: Type.Optional(Type.Integer({ minimum: 0, description: 'The whole upload\'s size, if known: over the limit it is refused now, and completion checks the parts add up to it' })),
});

export const PartView = named(
  'CodebaseUploadPart',
  Type.Object({
    partNumber: Type.Integer(),
    size: Type.Integer({ description: 'Bytes received' }),
    sha256: Type.String({ description: 'SHA-256 of the bytes received, hex: what completion lists' }),
  }),
);

export const CompleteBody = Type.Object({
  parts: Type.Array(Type.Object({ partNumber: PartNumber, sha256: Sha256('The part\'s SHA-256, hex, as its PUT answered') }), {
    minItems: 1,
    maxItems: 10_000,
    description: 'Every part received, ascending, each once: the upload is their bytes in this order',
  }),
});

export const SessionView = named(
  'CodebaseUploadSession',
  Type.Object({
    id: Uuid(),
    projectId: Uuid(),
    name: Type.String(),
    path: Nullable(Type.String()),
    totalBytes: Nullable(Type.Integer({ description: 'The size announced at creation; null: none' })),
    status: Type.Union([Type.Literal('open'), Type.Literal('completing'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('aborted')], {
      description: 'open: takes parts; completing: its parts are being read into a snapshot; completed (`snapshotVersion`), failed (`failure`) or aborted: closed, its parts removed',
    }),
    parts: Type.Array(PartView, { description: 'The parts received, by number: a client resumes by sending the others' }),
    receivedBytes: Type.Integer({ description: 'The parts\' sizes summed' }),
    snapshotVersion: Nullable(Type.Integer({ description: 'The snapshot a completed session made' })),
    failure: Nullable(
      Type.Object(
        { code: Type.String({ description: 'The problem\'s code: CODEBASE.ARCHIVE_REFUSED or STORAGE.TOO_LARGE' }), detail: Type.String() },
        { additionalProperties: true, description: 'What a failed completion met, as its problem answered it (`reason` and `entry` for a refused archive)' },
      ),
    ),
    limits: Type.Object(
      {
        maxPartBytes: Type.Integer({ description: 'A part\'s largest size (CODEBASE_UPLOAD_PART_MAX_BYTES, at most STORAGE_MAX_UPLOAD_BYTES)' }),
        maxParts: Type.Integer({ description: 'The highest part number (CODEBASE_UPLOAD_MAX_PARTS)' }),
        maxTotalBytes: Type.Integer({ description: 'The parts\' largest total (CODEBASE_MAX_UPLOAD_BYTES)' }),
      },
      { description: 'The parts\' caps; parts also count against the organization\'s storage quota while held' },
    ),
    expiresAt: Timestamp({ description: 'After it an open session is swept with its parts, and a closed one forgotten' }),
    createdAt: Timestamp(),
  }),
);

/** `Prefer: respond-async` (RFC 7240): the upload answered 202 once its bytes are stored, read by a job (decision 0053). */
export const PreferHeaders = Type.Object({
  prefer: Type.Optional(
    Type.String({
      maxLength: 200,
      description:
        'With `respond-async`: answered 202 with the upload session once the body is stored, the reading done by the job `codebase.complete_upload`; ' +
        'follow `Location` (GET the session) until its `status` is `completed` (with `snapshotVersion`) or `failed` (with `failure`). Without it, the answer waits for the snapshot.',
      examples: ['respond-async'],
    }),
  ),
});

/** Whether the request asked to be answered before its upload is read. */
export const respondsAsync = (prefer: string | undefined) => (prefer ?? '').split(',').some((p) => p.split(';')[0].trim().toLowerCase() === 'respond-async');
