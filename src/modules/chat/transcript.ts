// What an answer writes as it runs, and what it amounts to. An answer is a sequence of chunks
// (the SSE events a client receives, numbered by `seq`): `start`, `text` deltas, `tool-call`,
// `tool-result`, `usage` per model call, and last `done`. The message an answer leaves is the
// fold of its chunks, whoever folds them: the generation that wrote them, or a reader that
// finds the generation dead and closes the message from what was stored.

export type MessageStatus = 'streaming' | 'done' | 'stopped' | 'failed';
export type FinalStatus = Exclude<MessageStatus, 'streaming'>;

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** A tool call of an answer as stored with its message: the model's step, its input, and the tool's output or refusal. */
export interface RecordedToolCall {
  id: string;
  /** `<module>.<tool>` when the tool was offered; else the name the model used. */
  tool: string;
  /** The model call (0 first) that asked for it. */
  step: number;
  input: unknown;
  output?: unknown;
  error?: ErrorInfo;
}

export interface ChunkPayloads {
  start: { conversationId: string; messageId: string; parentId: string | null; modelId: string | null };
  text: { text: string };
  'tool-call': { toolCallId: string; tool: string; step: number; input: unknown };
  'tool-result': { toolCallId: string; tool: string; output?: unknown; error?: ErrorInfo };
  usage: Usage;
  done: { status: FinalStatus; usage: Usage; model: string | null; error: ErrorInfo | null };
}
export type ChunkKind = keyof ChunkPayloads;

/** A chunk before it has its place in the sequence. */
export type Chunk = { [K in ChunkKind]: { kind: K; data: ChunkPayloads[K] } }[ChunkKind];
export type StoredChunk = Chunk & { seq: number };

/** What an answer amounts to so far. */
export interface AnswerRecord {
  content: string;
  toolCalls: RecordedToolCall[];
  usage: Usage;
}

export const emptyRecord = (): AnswerRecord => ({ content: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 } });

/** Adds one chunk to a record (in place): text is appended, calls recorded, their results put beside them, usage summed. */
export function addChunk(record: AnswerRecord, chunk: Chunk): AnswerRecord {
  switch (chunk.kind) {
    case 'text':
      record.content += chunk.data.text;
      break;
    case 'tool-call':
      record.toolCalls.push({ id: chunk.data.toolCallId, tool: chunk.data.tool, step: chunk.data.step, input: chunk.data.input });
      break;
    case 'tool-result': {
      const call = record.toolCalls.find((c) => c.id === chunk.data.toolCallId);
      if (!call) break;
      if (chunk.data.error) call.error = chunk.data.error;
      else call.output = chunk.data.output;
      break;
    }
    case 'usage':
      record.usage.inputTokens += chunk.data.inputTokens;
      record.usage.outputTokens += chunk.data.outputTokens;
      break;
  }
  return record;
}

export function foldChunks(chunks: readonly Chunk[]): AnswerRecord {
  const record = emptyRecord();
  for (const chunk of chunks) addChunk(record, chunk);
  return record;
}
