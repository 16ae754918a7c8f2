// Resumable uploads (decision 0044): an upload sent in numbered parts, each stored in core/storage
// as it arrives (the org's quota counts it while it is held) and replaceable by sending it again,
// which is the retry. Completing the session reads the parts back in order as one body through the
// plain upload's pipeline (uploads.ts): synchronously, the answer being the plain upload's, or,
// asked with `Prefer: respond-async`, by the job `codebase.complete_upload`, the session saying
// how it ended (decision 0053). A plain upload asked so is taken as a session of its own: its body
// stored as parts, then completed by the job. After a completion, a refusal or an abort the parts'
// objects and rows are removed; an open session past its expiry is swept with its parts by a job.
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { AppError, invalid } from '../../core/errors.ts';
import { named } from '../../core/http/schema-types.ts';
import { memberActor } from '../../core/context/actor.ts';
import type { JobDefinition, JobQueue } from '../../core/jobs/types.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import { type Storage, StorageProblems } from '../../core/storage/index.ts';
import { ProjectProblems, type ProjectsApi } from '../projects/index.ts';
import { checkEntryName } from './paths.ts';
import { CodebaseProblems as P } from './problems.ts';
import { ArchiveRefusal, toProblem } from './refusal.ts';
import type { CodebaseSettings } from './settings.ts';
import { capped, concatenated, PartTooLarge, partListMismatches, partsOf } from './upload-parts.ts';
import { type PartRow, type SessionFailure, type SessionKey, type SessionRow, uploadParts, uploadSessions } from './upload-sessions-repository.ts';
import type { UploadResult, Uploads } from './uploads.ts';

export const SWEEP_SESSIONS_JOB = 'codebase.sweep_upload_sessions';
export const COMPLETE_JOB = 'codebase.complete_upload';
/** Expired sessions one sweep handles; the next sweep takes the rest. */
const SWEEP_LIMIT = 200;
/** A completion's refusals that the same parts would meet again: the session fails and its parts go. */
const FINAL_CODES: ReadonlySet<string> = new Set([P.archiveRefused.code, StorageProblems.tooLarge.code]);

export const SweepSessionsResult = named(
  'CodebaseUploadSweepResult',
  Type.Object(
    { sessions: Type.Integer({ description: 'Expired sessions removed' }), parts: Type.Integer({ description: 'Parts removed with them' }) },
    { description: 'The result of a `codebase.sweep_upload_sessions` job' },
  ),
);

export const CompleteUploadResult = named(
  'CodebaseCompleteUploadResult',
  Type.Object(
    {
      status: Type.Union([Type.Literal('completed'), Type.Literal('failed'), Type.Literal('open'), Type.Literal('skipped')], {
        description: 'How the session ended: `open` when it may be completed again, `skipped` when it was no longer completing',
      }),
      snapshotVersion: Type.Union([Type.Integer(), Type.Null()]),
    },
    { description: 'The result of a `codebase.complete_upload` job; the session (GET …/upload-sessions/{id}) says the rest' },
  ),
);

interface CompleteJob {
  orgId: string;
  projectId: string;
  sessionId: string;
  userId: string;
}

export interface CreateSessionInput {
  fileName: string;
  path?: string;
  totalBytes?: number;
}

export interface ReceivedPart {
  partNumber: number;
  size: number;
  sha256: string;
}

export interface UploadSession {
  id: string;
  projectId: string;
  name: string;
  path: string | null;
  totalBytes: number | null;
  status: SessionRow['status'];
  parts: ReceivedPart[];
  receivedBytes: number;
  snapshotVersion: number | null;
  failure: SessionFailure | null;
  limits: { maxPartBytes: number; maxParts: number; maxTotalBytes: number };
  expiresAt: string;
  createdAt: string;
}

export interface UploadSessionsDeps {
  db: Executor;
  clock: Clock;
  log: Logger;
  storage: Storage;
  projects: Pick<ProjectsApi, 'assertProjectAccess'>;
  uploads: Pick<Uploads, 'upload'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  orgs: Pick<OrganizationsApi, 'listMembers'>;
  settings: CodebaseSettings;
}

const toPart = (p: PartRow): ReceivedPart => ({ partNumber: p.part_number, size: p.size, sha256: p.sha256 });
const tooLarge = (message: string, maxBytes: number) => StorageProblems.tooLarge.error(message, { details: { maxBytes } });

export function createUploadSessions(deps: UploadSessionsDeps) {
  const { db, clock, log, storage, projects, uploads, jobs, orgs, settings } = deps;
  const limits = {
    // Each part is one stored file: never above what core/storage takes in one.
    maxPartBytes: Math.min(settings.uploadPartMaxBytes, storage.limits.maxUploadBytes),
    maxParts: settings.uploadMaxParts,
    maxTotalBytes: settings.maxUploadBytes,
  };
  const expiry = () => new Date(clock.now().getTime() + settings.uploadSessionTtlSeconds * 1000);

  async function access(actor: Actor, orgId: string, projectId: string, writing: boolean): Promise<void> {
    const { project } = await projects.assertProjectAccess(actor.principal, orgId, projectId, 'write');
    if (writing && project.status === 'archived') throw ProjectProblems.archived.error('The project is archived: unarchive it first');
  }

  const keyOf = (actor: Actor, orgId: string, projectId: string, id: string): SessionKey => ({ id, orgId, projectId, userId: actor.principal.userId });
  const notFound = () => P.uploadSessionNotFound.error('No such upload session');
  /** The session as found (or locked), 404 when it is not the caller's or has expired. */
  const live = (row: SessionRow | undefined): SessionRow => {
    if (!row || row.expires_at <= clock.now()) throw notFound();
    return row;
  };
  const closed = (row: SessionRow) => P.uploadSessionClosed.error(`The upload session is ${row.status}`, { details: { sessionStatus: row.status } });
  const open = (row: SessionRow): SessionRow => {
    if (row.status !== 'open') throw closed(row);
    return row;
  };

  function toView(row: SessionRow, parts: PartRow[]): UploadSession {
    return {
      id: row.id,
      projectId: row.project_id,
      name: row.file_name,
      path: row.path,
      totalBytes: row.total_bytes,
      status: row.status,
      parts: parts.map(toPart),
      receivedBytes: parts.reduce((sum, p) => sum + p.size, 0),
      snapshotVersion: row.snapshot_version,
      failure: row.failure,
      limits,
      expiresAt: row.expires_at.toISOString(),
      createdAt: row.created_at.toISOString(),
    };
  }

  /** Removes the session's parts, each object then its row; a failure is left for the sweep, logged. */
  async function dropParts(sessionId: string): Promise<number> {
    let removed = 0;
    for (const p of await uploadParts.list(db, sessionId)) {
      try {
        await storage.remove(p.storage_key);
        await uploadParts.deleteOne(db, sessionId, p.storage_key);
        removed++;
      } catch (err) {
        log.warn({ sessionId, key: p.storage_key, err: (err as Error).message }, 'codebase: a part of an upload session was not removed; the sweep will try again');
      }
    }
    return removed;
  }

  /** Removes an object no row names (a refused or replaced part); a failure leaves an orphan that still counts, logged. */
  async function discard(key: string) {
    await storage.remove(key).catch((err: Error) => log.warn({ key, err: err.message }, 'codebase: a part no session names was not removed; it still counts against the quota'));
  }

  async function create(actor: Actor, orgId: string, projectId: string, input: CreateSessionInput): Promise<UploadSession> {
    await access(actor, orgId, projectId, true);
    if (input.path !== undefined) {
      // Refused now rather than once every part is in: the completion would refuse it the same way.
      try {
        if (checkEntryName(input.path).folder) throw invalid('body.path', 'names a folder, not a file');
      } catch (err) {
        throw err instanceof ArchiveRefusal ? toProblem(err) : err;
      }
    }
    const most = Math.min(limits.maxTotalBytes, limits.maxParts * limits.maxPartBytes);
    if (input.totalBytes !== undefined && input.totalBytes > most) throw tooLarge(`The upload is over the limit of ${most} bytes`, most);
    const now = clock.now();
    const row: SessionRow = {
      id: uuidv7(),
      org_id: orgId,
      project_id: projectId,
      created_by: actor.principal.userId,
      file_name: input.fileName,
      path: input.path ?? null,
      total_bytes: input.totalBytes ?? null,
      status: 'open',
      snapshot_version: null,
      failure: null,
      expires_at: expiry(),
      created_at: now,
    };
    await uploadSessions.insert(db, row);
    return toView(row, []);
  }

  async function get(actor: Actor, orgId: string, projectId: string, id: string): Promise<UploadSession> {
    await access(actor, orgId, projectId, false);
    const row = live(await uploadSessions.find(db, keyOf(actor, orgId, projectId, id)));
    return toView(row, await uploadParts.list(db, id));
  }

  /** The most part `partNumber` may hold: its own cap, and what the session's total leaves it. */
  function roomFor(row: SessionRow, others: number): { maxBytes: number; refusal: () => AppError } {
    const total = row.total_bytes ?? limits.maxTotalBytes;
    const left = Math.max(0, Math.min(total, limits.maxTotalBytes) - others);
    if (left < limits.maxPartBytes) {
      const cap = Math.min(total, limits.maxTotalBytes);
      return { maxBytes: left, refusal: () => tooLarge(`The parts would pass the upload's limit of ${cap} bytes`, cap) };
    }
    return { maxBytes: limits.maxPartBytes, refusal: () => tooLarge(`The part is over the limit of ${limits.maxPartBytes} bytes`, limits.maxPartBytes) };
  }

  async function putPart(actor: Actor, orgId: string, projectId: string, id: string, partNumber: number, body: Readable, announced: string | null): Promise<ReceivedPart> {
    await access(actor, orgId, projectId, true);
    if (partNumber > limits.maxParts) throw invalid('params.partNumber', `must be at most ${limits.maxParts} (CODEBASE_UPLOAD_MAX_PARTS)`);
    const key = keyOf(actor, orgId, projectId, id);
    const row = open(live(await uploadSessions.find(db, key)));
    const room = roomFor(row, await uploadParts.bytesBut(db, id, partNumber));

    let saved: Awaited<ReturnType<Storage['save']>>;
    try {
      const scope = `codebase/upload-sessions/${id}`;
      saved = await storage.save({ orgId, scope, fileName: `part-${partNumber}`, contentType: 'application/octet-stream', body: capped(body, room.maxBytes), userId: actor.principal.userId });
    } catch (err) {
      throw err instanceof PartTooLarge ? room.refusal() : err;
    }
    if (announced !== null && announced !== saved.sha256) {
      await discard(saved.key);
      throw P.checksumMismatch.error('The part\'s SHA-256 is not the one announced', { details: { expected: announced, actual: saved.sha256 } });
    }
    let replaced: string | null;
    try {
      replaced = await db.transaction().execute(async (tx) => {
        const locked = open(live(await uploadSessions.lock(tx, key)));
        // Parts sent side by side were each measured against the others before they were stored:
        // measured again here, under the session's lock, one of two that together pass is refused.
        const now = roomFor(locked, await uploadParts.bytesBut(tx, id, partNumber));
        if (saved.size > now.maxBytes) throw now.refusal();
        return uploadParts.put(tx, { session_id: id, part_number: partNumber, size: saved.size, sha256: saved.sha256, storage_key: saved.key });
      });
    } catch (err) {
      await discard(saved.key);
      throw err;
    }
    if (replaced) await discard(replaced);
    return { partNumber, size: saved.size, sha256: saved.sha256 };
  }

  /**
   * The first half of a completion: the list checked against the parts received, and the session
   * leased (`completing`); `later` enqueues the job that does the second half, in the same
   * transaction, so a leased session always has its job.
   */
  async function begin(actor: Actor, orgId: string, projectId: string, id: string, listed: readonly { partNumber: number; sha256: string }[], later: boolean) {
    await access(actor, orgId, projectId, true);
    const key = keyOf(actor, orgId, projectId, id);
    return db.transaction().execute(async (tx) => {
      const locked = open(live(await uploadSessions.lock(tx, key)));
      const received = await uploadParts.list(tx, id);
      const mismatches = partListMismatches(listed, received.map(toPart));
      if (mismatches.length) throw P.partListMismatch.error('The parts listed are not the parts received', { details: { parts: mismatches } });
      const bytes = received.reduce((sum, p) => sum + p.size, 0);
      if (locked.total_bytes !== null && bytes !== locked.total_bytes) {
        throw P.partListMismatch.error(`The parts hold ${bytes} bytes; the session announced ${locked.total_bytes}`, { details: { parts: [] } });
      }
      // The lease: the sweep leaves a completing session alone until then, its parts being read.
      const expires = expiry();
      await uploadSessions.update(tx, id, { status: 'completing', expires_at: expires });
      if (later) await jobs.enqueue<CompleteJob>(COMPLETE_JOB, { orgId, projectId, sessionId: id, userId: actor.principal.userId }, { db: tx, ownerId: actor.principal.userId });
      return { row: { ...locked, status: 'completing' as const, expires_at: expires }, parts: received };
    });
  }

  /** The second half: the parts read back in order through the plain upload's pipeline, and the session marked as it ended. */
  async function finish(actor: Actor, orgId: string, projectId: string, row: SessionRow, parts: PartRow[]): Promise<UploadResult> {
    const body = concatenated(
      parts.map((p) => p.storage_key),
      (k) => storage.open(k),
    );
    try {
      const result = await uploads.upload(actor, orgId, projectId, { fileName: row.file_name, path: row.path ?? undefined, body });
      await uploadSessions.update(db, row.id, { status: 'completed', snapshot_version: result.snapshot.version });
      await dropParts(row.id);
      return result;
    } catch (err) {
      // A refusal the same parts would meet again fails the session; anything else (a conflict,
      // the quota, storage unavailable, the project archived) leaves it open to complete again.
      const final = err instanceof AppError && FINAL_CODES.has(err.code);
      const failure = final ? { code: err.code, detail: err.message, ...err.details } : null;
      await uploadSessions.update(db, row.id, final ? { status: 'failed', failure } : { status: 'open' });
      if (final) await dropParts(row.id);
      throw err;
    } finally {
      body.destroy();
    }
  }

  async function complete(actor: Actor, orgId: string, projectId: string, id: string, listed: readonly { partNumber: number; sha256: string }[]): Promise<UploadResult> {
    const { row, parts } = await begin(actor, orgId, projectId, id, listed, false);
    return finish(actor, orgId, projectId, row, parts);
  }

  /** A completion done by the job `codebase.complete_upload`: the session, `completing`, at once. */
  async function completeLater(actor: Actor, orgId: string, projectId: string, id: string, listed: readonly { partNumber: number; sha256: string }[]): Promise<UploadSession> {
    const { row, parts } = await begin(actor, orgId, projectId, id, listed, true);
    return toView(row, parts);
  }

  /**
   * A plain upload taken asynchronously: a session of its own, the body stored as its parts
   * (each up to the part size, as they arrive), then completed by the job. The answer is the
   * session, `completing`.
   */
  async function acceptLater(actor: Actor, orgId: string, projectId: string, input: { fileName: string; path?: string; body: Readable }): Promise<UploadSession> {
    const session = await create(actor, orgId, projectId, { fileName: input.fileName, path: input.path });
    try {
      const received: ReceivedPart[] = [];
      for await (const part of partsOf(input.body, limits.maxPartBytes)) {
        if (received.length >= limits.maxParts) throw tooLarge(`The upload is over the limit of ${limits.maxParts} parts`, limits.maxParts * limits.maxPartBytes);
        received.push(await putPart(actor, orgId, projectId, session.id, received.length + 1, part, null));
      }
      if (!received.length) received.push(await putPart(actor, orgId, projectId, session.id, 1, Readable.from([]), null));
      return await completeLater(actor, orgId, projectId, session.id, received);
    } catch (err) {
      await abort(actor, orgId, projectId, session.id).catch(() => {});
      throw err;
    }
  }

  async function abort(actor: Actor, orgId: string, projectId: string, id: string): Promise<void> {
    await access(actor, orgId, projectId, false);
    await db.transaction().execute(async (tx) => {
      const row = live(await uploadSessions.lock(tx, keyOf(actor, orgId, projectId, id)));
      // Aborting again, or after a failure, changes nothing: the parts are gone or going.
      if (row.status === 'completing' || row.status === 'completed') throw closed(row);
      if (row.status === 'open') await uploadSessions.update(tx, id, { status: 'aborted' });
    });
    await dropParts(id);
  }

  /** Removes the sessions past their expiry, and their parts (a session whose parts could not all go stays for the next sweep). */
  const sweep: JobDefinition<unknown, typeof SweepSessionsResult> = {
    name: SWEEP_SESSIONS_JOB,
    result: SweepSessionsResult,
    cron: '*/10 * * * *',
    exclusive: true,
    async handler() {
      let sessions = 0;
      let parts = 0;
      for (const s of await uploadSessions.expired(db, clock.now(), SWEEP_LIMIT)) {
        parts += await dropParts(s.id);
        if (await uploadSessions.deleteIfEmpty(db, s.id)) sessions++;
      }
      return { sessions, parts };
    },
  };

  /** The second half of a completion asked with `Prefer: respond-async`, as the member who asked. */
  const completeJob: JobDefinition<CompleteJob, typeof CompleteUploadResult> = {
    name: COMPLETE_JOB,
    result: CompleteUploadResult,
    // The uploader waits on it, polling the session.
    pollIntervalSeconds: 0.5,
    // Never run twice: a completion that died halfway leaves its session leased, and the sweep
    // removes it when the lease ends (a second run could make a second snapshot).
    retryLimit: 0,
    async handler(ctx) {
      const { orgId, projectId, sessionId, userId } = ctx.data;
      const key: SessionKey = { id: sessionId, orgId, projectId, userId };
      const row = await uploadSessions.find(db, key);
      if (row?.status !== 'completing') return { status: 'skipped', snapshotVersion: null };
      const parts = await uploadParts.list(db, sessionId);
      const member = (await orgs.listMembers(orgId)).find((m) => m.userId === userId);
      if (!member) {
        // The uploader left the organization meanwhile: nothing is read on their behalf.
        await uploadSessions.update(db, sessionId, { status: 'failed', failure: { code: P.uploadSessionNotFound.code, detail: 'The uploader is no longer a member of the organization' } });
        await dropParts(sessionId);
        return { status: 'failed', snapshotVersion: null };
      }
      try {
        const result = await finish(memberActor(member), orgId, projectId, row, parts);
        return { status: 'completed', snapshotVersion: result.snapshot.version };
      } catch (err) {
        // The session says how it ended (failed, or open to complete again); the job is done.
        const after = await uploadSessions.find(db, key);
        log.info({ sessionId, err: (err as Error).message, status: after?.status }, 'codebase: an upload completed later was not kept');
        return { status: after?.status === 'failed' ? 'failed' : 'open', snapshotVersion: null };
      }
    },
  };

  return { create, get, putPart, complete, completeLater, acceptLater, abort, jobs: [sweep, completeJob] };
}

export type UploadSessions = ReturnType<typeof createUploadSessions>;
