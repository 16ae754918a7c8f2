// The chat area's pages (assistants and conversations): one chunk, loaded on first visit.
import './chat.css';

export { AssistantEdit } from './AssistantEdit';
export { Assistants } from './Assistants';
export { Conversation } from './Conversation';
export { Conversations } from './Conversations';
export { SharedConversation } from './SharedConversation';
