// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import type { ProblemType } from '../../core/errors.ts';
import { actorOf } from '../../core/context/actor.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import { ProjectProblems } from '../projects/index.ts';
import { TimeProblems } from './problems.ts';
import * as S from './schemas.ts';
import type { TimeService } from './service.ts';

const tags = ['time'];
const read = { auth: { scope: 'time:read' } };
const write = { auth: { scope: 'time:write' } };
// The problems each route can answer beyond core's (decision 0028).
const P = TimeProblems;
const withRead = (...problems: ProblemType[]) => ({ ...read, problems });
const withWrite = (...problems: ProblemType[]) => ({ ...write, problems });
/** Every route reads the org first: 404 for one the caller cannot see. */
const inOrg = [OrgProblems.notFound];
/** Time that may no longer change: before the lock date, in an approved period, of an archived project. */
const frozen = [P.locked, P.periodApproved, P.projectArchived];
const NoContent = { 204: Type.Null() };

export function timeRoutes(time: TimeService) {
  return async (app: HttpServer) => {
    // ---- Entries ----
    app.post('/orgs/:orgId/time-entries', {
      config: withWrite(...inOrg, ProjectProblems.notFound, P.notAMember, P.taskNotInProject, P.invalidRange, P.entryOverlap, P.timerRunning, ...frozen),
      schema: {
        tags,
        operationId: 'createTimeEntry',
        summary: 'Log time',
        description:
          'Give `end` or `durationSeconds`. 409 TIME.ENTRY_OVERLAP lists the clashing entries; TIME.PROJECT_ARCHIVED, TIME.LOCKED and TIME.PERIOD_APPROVED refuse writes to frozen time.',
        params: S.OrgParams,
        body: S.CreateEntryBody,
        response: { 201: S.EntryView },
      },
      handler: async (req, reply) => reply.status(201).send(await time.entries.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/time-entries', {
      config: withRead(...inOrg),
      schema: {
        tags,
        operationId: 'listTimeEntries',
        summary: 'List time entries, newest first',
        description: 'Admins see every entry; others their own, and every entry of a project they manage when filtering by `projectId`.',
        params: S.OrgParams,
        querystring: S.ListEntriesQuery,
        response: { 200: pageOf(S.EntryView) },
      },
      handler: async (req) => time.entries.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/time-entries/:entryId', {
      config: withRead(...inOrg, P.entryNotFound),
      schema: { tags, operationId: 'getTimeEntry', summary: 'Get a time entry', params: S.EntryParams, response: { 200: S.EntryView } },
      handler: async (req) => time.entries.get(actorOf(req), req.params.orgId, req.params.entryId),
    });

    app.patch('/orgs/:orgId/time-entries/:entryId', {
      config: withWrite(...inOrg, P.entryNotFound, ProjectProblems.notFound, P.notAMember, P.taskNotInProject, P.invalidRange, P.entryOverlap, P.timerRunning, ...frozen),
      schema: { tags, operationId: 'updateTimeEntry', summary: 'Change a time entry', params: S.EntryParams, body: S.UpdateEntryBody, response: { 200: S.EntryView } },
      handler: async (req) => time.entries.update(actorOf(req), req.params.orgId, req.params.entryId, req.body),
    });

    app.delete('/orgs/:orgId/time-entries/:entryId', {
      config: withWrite(...inOrg, P.entryNotFound, ProjectProblems.notFound, ...frozen),
      schema: { tags, operationId: 'deleteTimeEntry', summary: 'Delete a time entry', params: S.EntryParams, response: NoContent },
      handler: async (req, reply) => {
        await time.entries.remove(actorOf(req), req.params.orgId, req.params.entryId);
        return reply.status(204).send(null);
      },
    });

    // ---- Timer ----
    app.post('/orgs/:orgId/timer/start', {
      config: withWrite(...inOrg, ProjectProblems.notFound, P.taskNotInProject, P.entryOverlap, P.timerRunning, ...frozen),
      schema: {
        tags,
        operationId: 'startTimer',
        summary: 'Start a timer',
        description: 'Stops the running timer first (it becomes an entry, returned as `stopped`).',
        params: S.OrgParams,
        body: S.StartTimerBody,
        response: { 201: S.StartTimerResponse },
      },
      handler: async (req, reply) => reply.status(201).send(await time.timer.start(actorOf(req), req.params.orgId, req.body)),
    });

    app.post('/orgs/:orgId/timer/stop', {
      config: withWrite(...inOrg, P.noTimer, P.entryOverlap, P.timerRunning, P.locked, P.periodApproved),
      schema: { tags, operationId: 'stopTimer', summary: 'Stop the running timer', params: S.OrgParams, response: { 200: S.EntryView } },
      handler: async (req) => time.timer.stop(actorOf(req), req.params.orgId),
    });

    app.get('/orgs/:orgId/timer', {
      config: withRead(...inOrg, P.noTimer),
      schema: { tags, operationId: 'getTimer', summary: 'My running timer (404 TIME.NO_TIMER when none)', params: S.OrgParams, response: { 200: S.EntryView } },
      handler: async (req) => time.timer.current(actorOf(req), req.params.orgId),
    });

    // ---- Settings and rates ----
    app.get('/orgs/:orgId/time-settings', {
      config: withRead(...inOrg),
      schema: { tags, operationId: 'getTimeSettings', summary: 'Time settings of the organization', params: S.OrgParams, response: { 200: S.SettingsView } },
      handler: async (req) => time.settings.get(actorOf(req), req.params.orgId),
    });

    app.patch('/orgs/:orgId/time-settings', {
      config: withWrite(...inOrg),
      schema: { tags, operationId: 'updateTimeSettings', summary: 'Change the time settings (admin)', params: S.OrgParams, body: S.SettingsPatch, response: { 200: S.SettingsView } },
      handler: async (req) => time.settings.update(actorOf(req), req.params.orgId, req.body),
    });

    app.get('/orgs/:orgId/member-rates', {
      config: withRead(...inOrg),
      schema: { tags, operationId: 'listMemberRates', summary: "Members' own hourly rates (admin)", params: S.OrgParams, response: { 200: S.RateList } },
      handler: async (req) => time.settings.listRates(actorOf(req), req.params.orgId),
    });

    app.put('/orgs/:orgId/member-rates/:userId', {
      config: withWrite(...inOrg, P.memberNotFound),
      schema: { tags, operationId: 'setMemberRate', summary: "Set a member's hourly rate (admin)", params: S.MemberParams, body: S.RateBody, response: { 200: S.RateView } },
      handler: async (req) => time.settings.putRate(actorOf(req), req.params.orgId, req.params.userId, req.body.hourlyRateMinor),
    });

    app.delete('/orgs/:orgId/member-rates/:userId', {
      config: withWrite(...inOrg, P.rateNotFound),
      schema: { tags, operationId: 'deleteMemberRate', summary: "Remove a member's hourly rate (admin)", params: S.MemberParams, response: NoContent },
      handler: async (req, reply) => {
        await time.settings.deleteRate(actorOf(req), req.params.orgId, req.params.userId);
        return reply.status(204).send(null);
      },
    });

    // ---- Rounding rules ----
    app.get('/orgs/:orgId/rounding-rules', {
      config: withRead(...inOrg),
      schema: { tags, operationId: 'listRoundingRules', summary: 'Rounding rules', params: S.OrgParams, response: { 200: S.RuleList } },
      handler: async (req) => time.settings.listRules(actorOf(req), req.params.orgId),
    });

    app.put('/orgs/:orgId/rounding-rules', {
      config: withWrite(...inOrg, P.unknownProject),
      schema: {
        tags,
        operationId: 'setRoundingRule',
        summary: 'Set the rounding rule of the org, a client or a project (admin)',
        description: 'One rule per scope and target: a second PUT replaces it. The most specific applies per entry: project > client > org.',
        params: S.OrgParams,
        body: S.RuleBody,
        response: { 200: S.RuleView },
      },
      handler: async (req) => time.settings.putRule(actorOf(req), req.params.orgId, req.body),
    });

    app.delete('/orgs/:orgId/rounding-rules/:ruleId', {
      config: withWrite(...inOrg, P.ruleNotFound),
      schema: { tags, operationId: 'deleteRoundingRule', summary: 'Delete a rounding rule (admin)', params: S.RuleParams, response: NoContent },
      handler: async (req, reply) => {
        await time.settings.deleteRule(actorOf(req), req.params.orgId, req.params.ruleId);
        return reply.status(204).send(null);
      },
    });

    // ---- Timesheets ----
    app.post('/orgs/:orgId/timesheets/:period/submit', {
      config: withWrite(...inOrg, P.invalidPeriod, P.periodApproved, P.timerRunning),
      schema: { tags, operationId: 'submitTimesheet', summary: 'Submit my timesheet for a period', params: S.PeriodParams, response: { 200: S.TimesheetView } },
      handler: async (req) => time.timesheets.submit(actorOf(req), req.params.orgId, req.params.period),
    });

    app.get('/orgs/:orgId/timesheets', {
      config: withRead(...inOrg),
      schema: {
        tags,
        operationId: 'listTimesheets',
        summary: 'List timesheets',
        description: 'Admins see all; others their own and those with entries in projects they manage.',
        params: S.OrgParams,
        querystring: S.ListTimesheetsQuery,
        response: { 200: pageOf(S.TimesheetView) },
      },
      handler: async (req) => time.timesheets.list(actorOf(req), req.params.orgId, req.query),
    });

    app.post('/orgs/:orgId/timesheets/:period/approve', {
      config: withWrite(...inOrg, P.invalidPeriod, P.timesheetNotFound, P.selfApproval, P.timesheetNotSubmitted),
      schema: { tags, operationId: 'approveTimesheet', summary: "Approve a member's timesheet", params: S.PeriodParams, body: S.ApproveBody, response: { 200: S.TimesheetView } },
      handler: async (req) => time.timesheets.approve(actorOf(req), req.params.orgId, req.params.period, req.body),
    });

    app.post('/orgs/:orgId/timesheets/:period/reject', {
      config: withWrite(...inOrg, P.invalidPeriod, P.timesheetNotFound, P.selfApproval, P.timesheetNotSubmitted),
      schema: { tags, operationId: 'rejectTimesheet', summary: "Reject a member's timesheet", params: S.PeriodParams, body: S.RejectBody, response: { 200: S.TimesheetView } },
      handler: async (req) => time.timesheets.reject(actorOf(req), req.params.orgId, req.params.period, req.body),
    });
  };
}
