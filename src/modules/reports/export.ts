// The project export: a ZIP streamed to the client while it is written. project.json and
// tasks.csv are small and built first; time-entries.csv is produced batch by batch from
// the time module's keyset reader, so memory stays flat whatever the project's history.
// Who sees which entries follows the reports rule: managers and org admins get everyone's,
// other project members only their own.
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import yazl from 'yazl';
import type { Actor } from '../../core/context/actor.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Executor } from '../../core/db/database.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { ProjectsApi } from '../projects/index.ts';
import type { TimeApi } from '../time/index.ts';
import { currencyDigits, safeFilename } from './model.ts';
import { dateIn } from './period.ts';
import { neutralizeCell } from './render-csv.ts';

export interface ExportDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  log: Logger;
  organizations: OrganizationsApi;
  projects: ProjectsApi;
  time: TimeApi;
}

const BATCH = 1000;
const CSV = { record_delimiter: 'windows' } as const;
const text = (v: string | null | undefined) => neutralizeCell(v ?? '');
const hours = (s: number | null) => (s === null ? '' : (s / 3600).toFixed(4));

export const TASK_COLUMNS = ['id', 'name', 'status', 'estimate_minutes', 'assignee_id', 'assignee_email'];
export const ENTRY_COLUMNS = [
  'id',
  'date',
  'start',
  'end',
  'user_id',
  'user_email',
  'task_id',
  'task_name',
  'description',
  'billable',
  'tags',
  'duration_seconds',
  'rounded_seconds',
  'duration_hours',
  'rounded_hours',
  'hourly_rate',
  'currency',
];

export function createExportService(deps: ExportDeps) {
  const { db, events, clock, log, organizations, projects, time } = deps;

  async function exportProject(actor: Actor, orgId: string, projectId: string) {
    const { principal } = actor;
    // Every check runs before the first byte, so refusals are proper problem answers.
    const { project, canManage } = await projects.assertProjectAccess(principal, orgId, projectId, 'read');
    const [org, tasks, members] = await Promise.all([organizations.getOrganization(orgId), projects.listProjectTasks(orgId, projectId), organizations.listMembers(orgId)]);
    const timeZone = org?.timezone ?? 'UTC';
    const emails = new Map(members.map((m) => [m.userId, m.email]));
    const taskNames = new Map(tasks.map((t) => [t.id, t.name]));
    const onlyUserId = canManage ? undefined : principal.userId;
    const exportedAt = clock.now();

    // Recorded for the audit trail: project data left the system, and whose time it held.
    await db.transaction().execute((tx) =>
      events.publish(tx, 'reports.project_exported', { projectId, entries: onlyUserId ? 'own' : 'all' }, { actor, orgId }),
    );

    const zip = new yazl.ZipFile();
    const mtime = exportedAt;
    const projectJson = {
      exportedAt: exportedAt.toISOString(),
      organization: { id: orgId, name: org?.name ?? null, timeZone },
      timeEntries: onlyUserId ? 'own' : 'all',
      project,
      tasks,
    };
    zip.addBuffer(Buffer.from(`${JSON.stringify(projectJson, null, 2)}\n`), 'project.json', { mtime });
    const taskRows = tasks.map((t) => [t.id, text(t.name), t.status, t.estimateMinutes ?? '', t.assigneeId ?? '', t.assigneeId ? (emails.get(t.assigneeId) ?? '') : '']);
    zip.addBuffer(Buffer.from(stringify([TASK_COLUMNS, ...taskRows], CSV)), 'tasks.csv', { mtime });

    async function* entryLines() {
      yield stringify([ENTRY_COLUMNS], CSV);
      for await (const batch of time.entries(orgId, { projectId, ...(onlyUserId ? { userId: onlyUserId } : {}) }, BATCH)) {
        const rows = batch.map((e) => [
          e.id,
          dateIn(new Date(e.start), timeZone),
          e.start,
          e.end ?? '',
          e.userId,
          emails.get(e.userId) ?? '',
          e.taskId ?? '',
          e.taskId ? text(taskNames.get(e.taskId) ?? '') : '',
          text(e.description),
          e.billable ? 'true' : 'false',
          text(e.tags.join(';')),
          e.durationSeconds ?? '',
          e.roundedSeconds ?? '',
          hours(e.durationSeconds),
          hours(e.roundedSeconds),
          e.hourlyRateMinor === null ? '' : (e.hourlyRateMinor / 10 ** currencyDigits(e.currency)).toFixed(currencyDigits(e.currency)),
          e.currency,
        ]);
        if (rows.length) yield stringify(rows, CSV);
      }
    }
    const entries = Readable.from(entryLines(), { objectMode: false });
    const output = zip.outputStream as Readable;
    // yazl leaves errors of an input stream unhandled: end the download instead of the process.
    const fail = (err: Error) => {
      log.error({ err, orgId, projectId }, 'project export failed while streaming');
      output.destroy(err);
    };
    entries.on('error', fail);
    zip.on('error', fail);
    // A client that goes away stops the reader (and releases what the time module holds for it).
    output.on('close', () => {
      if (!entries.readableEnded) entries.destroy();
    });
    zip.addReadStream(entries, 'time-entries.csv', { mtime });
    zip.end();

    const filename = `${safeFilename(project.key, project.name, 'export', dateIn(exportedAt, timeZone))}.zip`;
    return { filename, stream: output };
  }

  return { exportProject };
}

export type ExportService = ReturnType<typeof createExportService>;
