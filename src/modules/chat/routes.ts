// HTTP only: schema in, service call, schema out. The answer streams are Server-Sent Events:
// refusals come before the stream as problem+json; once it starts it is 200 text/event-stream.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import { invalid, type ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import { acceptRawBodies, keepRawBody, rawBodyOf } from '../../core/http/raw-body.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { LLM_CALL_PROBLEMS, LlmProblems } from '../../core/llm/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import { StorageProblems } from '../../core/storage/index.ts';
import type { Agent } from './agent.ts';
import type { Attachments } from './attachments.ts';
import type { Conversations } from './conversations.ts';
import type { Exports } from './export.ts';
import type { Messages } from './messages.ts';
import type { Shares } from './shares.ts';
import { ChatProblems as P } from './problems.ts';
import * as S from './schemas.ts';
import type { Tails } from './tail.ts';

const tags = ['chat'];
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'chat:read' }, problems: [OrgProblems.notFound, ...problems] });
/** Anyone holding the link: no credentials, a rate limit per client. */
const shared = { rateLimit: { max: 120, timeWindow: 60_000 }, problems: [P.shareNotFound] };
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'chat:write' }, problems: [OrgProblems.notFound, ...problems] });
/** What starting an answer can be refused with, before the stream. */
const ANSWER_PROBLEMS = [P.conversationNotFound, P.assistantNotFound, P.parentInvalid, P.answerInProgress, P.conversationFull, ...LLM_CALL_PROBLEMS];

/**
 * Read by hand: a headers schema would strip every other header (Ajv removes unknown
 * properties), the Authorization header among them.
 */
function lastEventIdHeader(request: FastifyRequest): number | undefined {
  const value = request.headers['last-event-id'];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw invalid('headers.last-event-id', 'must be the id of an event of this stream (a whole number)');
  return Number(value);
}

function sendStream(reply: FastifyReply, stream: Readable) {
  return (
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      // nginx buffers responses by default, which would hold events back.
      .header('x-accel-buffering', 'no')
      // The socket closes with the stream, so a stream cut at shutdown does not leave a keep-alive socket holding server.close().
      .header('connection', 'close')
      .send(stream)
  );
}

const STREAM_DESCRIPTION =
  'Server-Sent Events, each with `id:` its place in the answer: `start` (the ids), `text` (a piece of the answer), `tool-call`, `tool-result` (output or error), `usage` (per model call), and last `done` (status, usage, model, error), after which the stream ends. ' +
  'The answer does not depend on this connection: it goes on and is stored if the client leaves; `GET …/messages/{messageId}/stream` with `Last-Event-ID` resumes it, on any instance. docs/chat.md has the payloads.';

const Binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });
const ExportResponse = {
  description: 'The branch as a file (Content-Disposition: attachment)',
  content: {
    'text/markdown': Binary('format=md'),
    'application/json': { schema: S.ConversationExport },
    'application/pdf': Binary('format=pdf'),
  },
};


export function chatRoutes(deps: { conversations: Conversations; messages: Messages; attachments: Attachments; agent: Agent; tails: Tails; exports: Exports; shares: Shares }) {
  const { conversations, messages, attachments, agent, tails, exports, shares } = deps;

  return async (app: HttpServer) => {
    // server.close() waits for open responses: a stream still following an answer would hold it.
    app.addHook('preClose', (done) => {
      tails.closeAll();
      done();
    });

    app.post('/orgs/:orgId/conversations', {
      config: write(P.assistantNotFound, P.projectNotFound, LlmProblems.modelNotFound, LlmProblems.modelNotAllowed),
      schema: { tags, operationId: 'createConversation', summary: 'Start a conversation (with an assistant, about a project)', params: S.OrgParams, body: S.CreateConversationBody, response: { 201: S.ConversationView } },
      handler: async (req, reply) => reply.status(201).send(await conversations.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/conversations', {
      config: read(),
      schema: {
        tags,
        operationId: 'listConversations',
        summary: 'My conversations, most recently active first',
        description: 'Only your own: conversations are private to the user who started them. `q` finds words in titles and in any message.',
        params: S.OrgParams,
        querystring: S.ListConversationsQuery,
        response: { 200: pageOf(S.ConversationView) },
      },
      handler: async (req) => conversations.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/conversations/:conversationId', {
      config: read(P.conversationNotFound),
      schema: { tags, operationId: 'getConversation', summary: 'A conversation of mine', params: S.ConversationParams, response: { 200: S.ConversationView } },
      handler: async (req) => conversations.get(actorOf(req), req.params.orgId, req.params.conversationId),
    });

    app.patch('/orgs/:orgId/conversations/:conversationId', {
      config: write(P.conversationNotFound, P.projectNotFound, LlmProblems.modelNotFound, LlmProblems.modelNotAllowed),
      schema: {
        tags,
        operationId: 'updateConversation',
        summary: 'Rename a conversation, or change its model, instructions or project',
        params: S.ConversationParams,
        body: S.UpdateConversationBody,
        response: { 200: S.ConversationView },
      },
      handler: async (req) => conversations.update(actorOf(req), req.params.orgId, req.params.conversationId, req.body),
    });

    app.post('/orgs/:orgId/conversations/:conversationId/archive', {
      config: write(P.conversationNotFound),
      schema: { tags, operationId: 'archiveConversation', summary: 'Archive a conversation (listed with archived=true)', params: S.ConversationParams, response: { 200: S.ConversationView } },
      handler: async (req) => conversations.setArchived(actorOf(req), req.params.orgId, req.params.conversationId, true),
    });

    app.post('/orgs/:orgId/conversations/:conversationId/unarchive', {
      config: write(P.conversationNotFound),
      schema: { tags, operationId: 'unarchiveConversation', summary: 'Bring an archived conversation back', params: S.ConversationParams, response: { 200: S.ConversationView } },
      handler: async (req) => conversations.setArchived(actorOf(req), req.params.orgId, req.params.conversationId, false),
    });

    app.delete('/orgs/:orgId/conversations/:conversationId', {
      config: write(P.conversationNotFound),
      schema: { tags, operationId: 'deleteConversation', summary: 'Delete a conversation and its messages', params: S.ConversationParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await conversations.remove(actorOf(req), req.params.orgId, req.params.conversationId);
        return reply.status(204).send(null);
      },
    });

    app.get('/orgs/:orgId/conversations/:conversationId/messages', {
      config: read(P.conversationNotFound),
      schema: {
        tags,
        operationId: 'listConversationMessages',
        summary: 'The messages of a conversation: every branch, and the path shown by default',
        params: S.ConversationParams,
        response: { 200: S.MessageTree },
      },
      handler: async (req) => messages.tree(actorOf(req), req.params.orgId, req.params.conversationId),
    });

    app.get('/orgs/:orgId/conversations/:conversationId/export', {
      config: read(P.conversationNotFound, P.messageNotFound),
      schema: {
        tags,
        operationId: 'exportConversation',
        summary: 'Download a branch of a conversation as Markdown, JSON or PDF',
        description: 'The branch shown by default (`activePath`), or the path to `messageId`. An answer still being written is exported as it stands (`streaming`). Tool results are cut to 2,000 characters.',
        params: S.ConversationParams,
        querystring: S.ExportQuery,
        response: { 200: ExportResponse },
      },
      handler: async (req, reply) => {
        const file = await exports.file(actorOf(req), req.params.orgId, req.params.conversationId, req.query);
        return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.fileName}"`).header('cache-control', 'private, no-store').send(file.body);
      },
    });

    app.post('/orgs/:orgId/conversations/:conversationId/shares', {
      config: write(P.conversationNotFound),
      schema: {
        tags,
        operationId: 'shareConversation',
        summary: 'Make a read-only link to a conversation of mine',
        description: 'Anyone with the link reads the branch shown by default, as it is when opened, until it expires, is revoked, the conversation is deleted or you leave the organization.',
        params: S.ConversationParams,
        body: S.CreateShareBody,
        response: { 201: S.ConversationShare },
      },
      handler: async (req, reply) => reply.status(201).send(await shares.create(actorOf(req), req.params.orgId, req.params.conversationId, req.body ?? {})),
    });

    app.get('/orgs/:orgId/conversations/:conversationId/shares', {
      config: read(P.conversationNotFound),
      schema: { tags, operationId: 'listConversationShares', summary: 'The share links of a conversation of mine, newest first', params: S.ConversationParams, response: { 200: S.ConversationShareList } },
      handler: async (req) => shares.list(actorOf(req), req.params.orgId, req.params.conversationId),
    });

    app.delete('/orgs/:orgId/conversations/:conversationId/shares/:shareId', {
      config: write(P.conversationNotFound, P.shareNotFound),
      schema: { tags, operationId: 'revokeConversationShare', summary: 'Revoke a share link: it stops working at once', params: S.ShareParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await shares.revoke(actorOf(req), req.params.orgId, req.params.conversationId, req.params.shareId);
        return reply.status(204).send(null);
      },
    });

    app.get('/shared-conversations/:token', {
      config: shared,
      schema: {
        tags,
        operationId: 'getSharedConversation',
        summary: 'A conversation through a share link (no credentials), read-only',
        description: 'The branch shown by default, as it is now, in the ConversationExport shape. Expired, revoked, altered or unknown links, a deleted conversation, or a creator no longer in the organization: 404.',
        params: S.TokenParams,
        response: { 200: S.ConversationExport },
      },
      handler: async (req) => shares.open(req.params.token),
    });

    await app.register(async (uploads: HttpServer) => {
      // Any media type: the kind comes from `kind` or the name, never from a header.
      acceptRawBodies(uploads);
      uploads.post('/orgs/:orgId/conversations/:conversationId/attachments', {
        config: write(P.conversationNotFound, P.attachmentUnsupported, P.attachmentUnreadable, P.tooManyAttachments, StorageProblems.tooLarge, StorageProblems.quotaExceeded),
        // The raw body is validated by what reads it (the size cap, the text reader); the schema documents it.
        preValidation: keepRawBody,
        schema: {
          tags,
          operationId: 'uploadChatAttachment',
          summary: 'Attach a text, Markdown, CSV or PDF file to a conversation, for questions to name',
          description:
            "The request body is the file itself (any Content-Type). Its text is read first (a PDF's pages, the others as UTF-8), within CHAT_ATTACHMENT_MAX_BYTES; a file no text can be read from is refused and nothing is kept. The file is stored in the organization's storage (its quota), the text cut at CHAT_ATTACHMENT_MAX_CHARS. A question names it in `attachmentIds`.",
          consumes: ['application/octet-stream'],
          params: S.ConversationParams,
          querystring: S.UploadAttachmentQuery,
          body: Type.String({ format: 'binary', description: "The file's bytes" }),
          response: { 201: S.AttachmentView },
        },
        handler: async (req, reply) => {
          const body = rawBodyOf(req);
          return reply.status(201).send(await attachments.upload(actorOf(req), req.params.orgId, req.params.conversationId, { fileName: req.query.name, kind: req.query.kind, body }));
        },
      });
    });

    app.get('/orgs/:orgId/conversations/:conversationId/attachments', {
      config: read(P.conversationNotFound),
      schema: { tags, operationId: 'listChatAttachments', summary: "A conversation's attachments", params: S.ConversationParams, response: { 200: S.AttachmentList } },
      handler: async (req) => attachments.list(actorOf(req), req.params.orgId, req.params.conversationId),
    });

    app.get('/orgs/:orgId/conversations/:conversationId/attachments/:attachmentId', {
      config: read(P.conversationNotFound, P.attachmentNotFound),
      schema: { tags, operationId: 'getChatAttachment', summary: 'An attachment with the text a model reads', params: S.AttachmentParams, response: { 200: S.AttachmentWithText } },
      handler: async (req) => attachments.get(actorOf(req), req.params.orgId, req.params.conversationId, req.params.attachmentId),
    });

    app.delete('/orgs/:orgId/conversations/:conversationId/attachments/:attachmentId', {
      config: write(P.conversationNotFound, P.attachmentNotFound),
      schema: {
        tags,
        operationId: 'deleteChatAttachment',
        summary: 'Remove an attachment and its file (questions that named it keep its id; the model is told it was removed)',
        params: S.AttachmentParams,
        response: { 204: Type.Null() },
      },
      handler: async (req, reply) => {
        await attachments.remove(actorOf(req), req.params.orgId, req.params.conversationId, req.params.attachmentId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/conversations/:conversationId/messages', {
      config: write(P.attachmentNotFound, ...ANSWER_PROBLEMS),
      schema: {
        tags,
        operationId: 'sendChatMessage',
        summary: 'Ask a question (or edit one: a new branch); the answer streams back',
        description: STREAM_DESCRIPTION,
        params: S.ConversationParams,
        body: S.SendMessageBody,
        response: { 200: S.EventStream },
      },
      handler: async (req, reply) => sendStream(reply, await messages.send(actorOf(req), req.params.orgId, req.params.conversationId, req.body)),
    });

    app.get('/orgs/:orgId/conversations/:conversationId/messages/:messageId', {
      config: read(P.conversationNotFound, P.messageNotFound),
      schema: { tags, operationId: 'getChatMessage', summary: 'A message, as it is now', params: S.MessageParams, response: { 200: S.MessageView } },
      handler: async (req) => messages.get(actorOf(req), req.params.orgId, req.params.conversationId, req.params.messageId),
    });

    app.post('/orgs/:orgId/conversations/:conversationId/messages/:messageId/regenerate', {
      config: write(P.messageNotFound, ...ANSWER_PROBLEMS),
      schema: {
        tags,
        operationId: 'regenerateChatMessage',
        summary: 'Answer a question again (its id, or its answer\'s): a new branch beside the old',
        description: STREAM_DESCRIPTION,
        params: S.MessageParams,
        response: { 200: S.EventStream },
      },
      handler: async (req, reply) => sendStream(reply, await messages.regenerate(actorOf(req), req.params.orgId, req.params.conversationId, req.params.messageId)),
    });

    app.get('/orgs/:orgId/conversations/:conversationId/messages/:messageId/stream', {
      config: read(P.conversationNotFound, P.messageNotFound),
      schema: {
        tags,
        operationId: 'streamChatMessage',
        summary: 'Follow an answer: what it wrote after Last-Event-ID, then the rest as it comes',
        description: `${STREAM_DESCRIPTION} Send \`Last-Event-ID\` (or \`?lastEventId=\`): the events after it are sent first; without it, the whole answer. An answer that has ended is replayed and the stream ends.`,
        params: S.MessageParams,
        querystring: S.StreamQuery,
        response: { 200: S.EventStream },
      },
      handler: async (req, reply) => {
        const after = req.query.lastEventId ?? lastEventIdHeader(req) ?? 0;
        return sendStream(reply, await messages.follow(actorOf(req), req.params.orgId, req.params.conversationId, req.params.messageId, after));
      },
    });

    app.post('/orgs/:orgId/conversations/:conversationId/messages/:messageId/stop', {
      config: write(P.conversationNotFound, P.messageNotFound),
      schema: {
        tags,
        operationId: 'stopChatMessage',
        summary: 'Stop an answer being written, on whichever instance writes it',
        description: '202: the stop is asked; the answer ends `stopped` with its text so far (its stream sends `done`). 200: it had already ended, as shown.',
        params: S.MessageParams,
        response: { 200: S.MessageView, 202: S.MessageView },
      },
      handler: async (req, reply) => {
        const { message, stopping } = await messages.stop(actorOf(req), req.params.orgId, req.params.conversationId, req.params.messageId);
        return reply.status(stopping ? 202 : 200).send(message);
      },
    });

    app.post('/orgs/:orgId/agent/act', {
      config: write(P.conversationNotFound, P.messageNotFound, P.assistantNotFound, P.projectNotFound, P.answerInProgress, P.conversationFull, ...LLM_CALL_PROBLEMS),
      schema: {
        tags,
        operationId: 'actAsAgent',
        summary: 'Carry out an instruction with tools, to the end, and answer the result with its tool trace',
        description:
          'The same tool loop as chat, waited for: at most CHAT_MAX_STEPS model calls and CHAT_AGENT_TIMEOUT. The run is a conversation of yours (new, or `conversationId`). ' +
          'Refusals before the first model call are problems; an answer that ends badly afterwards is 200 with `status` failed and `error`.',
        params: S.OrgParams,
        body: S.AgentActBody,
        response: { 200: S.AgentAnswer },
      },
      handler: async (req) => agent.act(actorOf(req), req.params.orgId, req.body),
    });
  };
}
