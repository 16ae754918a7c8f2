// The chat module's problems (decision 0028): thrown with `.error()`, listed on routes. The codes
// an answer can end with (a message's `error`, not an HTTP answer) are in ANSWER_ERRORS.
import { defineProblem } from '../../core/errors.ts';

export const ChatProblems = {
  conversationNotFound: defineProblem('not_found', 'CHAT.CONVERSATION_NOT_FOUND', 'No such conversation of yours in this organization (conversations are private to the user who started them).'),
  messageNotFound: defineProblem('not_found', 'CHAT.MESSAGE_NOT_FOUND', 'No such message in this conversation.'),
  parentInvalid: defineProblem(
    'validation',
    'CHAT.PARENT_INVALID',
    '`parentId` must name a finished assistant message of this conversation (or be null for a new first message, to edit the first one).',
  ),
  answerInProgress: defineProblem('conflict', 'CHAT.ANSWER_IN_PROGRESS', 'An answer is still being written in this conversation: wait for it, or stop it, then send.'),
  conversationFull: defineProblem('conflict', 'CHAT.CONVERSATION_FULL', 'The conversation holds as many messages as it may (CHAT_MAX_MESSAGES, every branch counted): start a new one.'),
  shareNotFound: defineProblem('not_found', 'CHAT.SHARE_NOT_FOUND', 'No such share link: unknown, expired, revoked, its conversation deleted, or its creator no longer in the organization.'),
  attachmentNotFound: defineProblem('not_found', 'CHAT.ATTACHMENT_NOT_FOUND', 'No such attachment in this conversation (removed, or never uploaded here).'),
  attachmentUnsupported: defineProblem(
    'unsupported_media_type',
    'CHAT.ATTACHMENT_UNSUPPORTED',
    'Attachments are text (.txt), Markdown (.md), CSV (.csv) or PDF (.pdf): the kind comes from `kind`, else from the name\'s extension. Nothing was stored.',
  ),
  attachmentUnreadable: defineProblem(
    'unprocessable',
    'CHAT.ATTACHMENT_UNREADABLE',
    'The file is not what its kind says (text that is not UTF-8, binary data, a damaged or image-only PDF): no text could be read from it. Nothing was stored.',
  ),
  tooManyAttachments: defineProblem('conflict', 'CHAT.TOO_MANY_ATTACHMENTS', 'The conversation holds as many attachments as it may: remove one first.'),
  projectNotFound: defineProblem(
    'not_found',
    'CHAT.PROJECT_NOT_FOUND',
    '`projectId` names no project of this organization that you may read (not a member of it, deleted, or never made): the conversation was not bound to it.',
  ),
  assistantNotFound: defineProblem('not_found', 'CHAT.ASSISTANT_NOT_FOUND', 'No assistant of this organization that you may use has this id (a private one of someone else, deleted, or never made).'),
};

/** Codes an answer ends `failed` with, besides the LLM.* problems of a model call and the tools' own. */
export const ANSWER_ERRORS = {
  timeLimit: 'CHAT.TIME_LIMIT',
  lost: 'CHAT.ANSWER_LOST',
  interrupted: 'CHAT.INTERRUPTED',
  failed: 'CHAT.ANSWER_FAILED',
} as const;
