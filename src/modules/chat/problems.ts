// The chat module's problems (decision 0028): thrown with `.error()`, listed on routes.
import { defineProblem } from '../../core/errors.ts';

export const ChatProblems = {
  itemNotFound: defineProblem('not_found', 'CHAT.ITEM_NOT_FOUND', 'No such item in this organization.'),
  nameTaken: defineProblem('conflict', 'CHAT.NAME_TAKEN', 'Another item of this organization has this name.'),
};
