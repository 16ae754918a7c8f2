// The chat module's slice of the configuration (decision 0034): how long and how far an answer
// may run, and when a generation that stopped beating is given up; how much of an attachment
// or an assistant's knowledge a model reads.
import { defineSettings, integer, millis, optional, type SettingsOf, setting, text } from '../../core/settings.ts';

export const chatSettings = defineSettings({
  maxSteps: setting(
    'CHAT_MAX_STEPS',
    '8',
    integer(1, 50),
    'Model calls in one answer (chat and agent/act): each tool round is one; the last is made without tools, so the answer always ends in text.',
  ),
  answerTimeoutMs: setting('CHAT_ANSWER_TIMEOUT', '5m', millis(1000, 3_600_000), 'Longest a chat answer may run, tools included; past it the answer ends `failed` (`CHAT.TIME_LIMIT`) with its text so far.'),
  agentTimeoutMs: setting('CHAT_AGENT_TIMEOUT', '2m', millis(1000, 3_600_000), 'Longest `POST /orgs/{orgId}/agent/act` runs its tool loop (the client waits for it).'),
  staleAfterMs: setting(
    'CHAT_STALE_AFTER',
    '60s',
    millis(1000, 3_600_000),
    'An answer whose generation has not beaten for this long (its instance died) is marked `failed` (`CHAT.ANSWER_LOST`) when next read; a running generation beats six times as often.',
  ),
  titleModel: setting(
    'CHAT_TITLE_MODEL',
    '',
    optional(text),
    "A small model (`provider/model` of the organization's catalog, e.g. `default/gpt-4.1-mini`) that titles a conversation after its first answer, as its owner and within their budgets; unset: the first question's first words.",
  ),
  attachmentMaxBytes: setting(
    'CHAT_ATTACHMENT_MAX_BYTES',
    '10485760',
    integer(1, 104_857_600),
    'Largest attachment of a conversation, in bytes (10 MiB; never above STORAGE_MAX_UPLOAD_BYTES); a larger one is refused with 413 `STORAGE.TOO_LARGE` and nothing is kept. Also the largest file of an assistant\'s knowledge that is read.',
  ),
  attachmentMaxChars: setting(
    'CHAT_ATTACHMENT_MAX_CHARS',
    '50000',
    integer(100, 2_000_000),
    'Characters of an attachment\'s text a model reads (about 12,000 tokens); the rest is cut, and the attachment says so (`truncated`).',
  ),
  knowledgeMaxChars: setting(
    'CHAT_KNOWLEDGE_MAX_CHARS',
    '60000',
    integer(100, 2_000_000),
    'Characters of an assistant\'s knowledge (its projects and files, in order) put in each answer\'s prompt; what is past them is cut, and the prompt says so.',
  ),
  maxMessages: setting('CHAT_MAX_MESSAGES', '1000', integer(2, 100_000), 'Messages a conversation holds at most, every branch counted (`CHAT.CONVERSATION_FULL` past it).'),
});

export type ChatSettings = SettingsOf<typeof chatSettings>;
