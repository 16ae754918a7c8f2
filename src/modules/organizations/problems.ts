// The organizations module's problems (decision 0028): each code once, with the members it
// adds. Services throw them with `.error()`; routes list the ones they can answer
// (`config.problems`). Other modules' routes list `OrgProblems.notFound` too: every org-scoped
// request passes the role check, which answers it for an org the caller cannot see.
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';

const OrgId = Type.String({ format: 'uuid' });

export const OrgProblems = {
  notFound: defineProblem('not_found', 'ORG.NOT_FOUND', 'No such organization, or you are not a member of it.'),
  memberNotFound: defineProblem('not_found', 'ORG.MEMBER_NOT_FOUND', 'The user has no role (direct or inherited) in this organization.'),
  invitationNotFound: defineProblem('not_found', 'ORG.INVITATION_NOT_FOUND', 'No pending invitation with that id: it may have been accepted, revoked or have expired.'),
  invitationInvalid: defineProblem('validation', 'ORG.INVITATION_INVALID', 'The token is not one of an invitation (or its organization was deleted): check the link.'),
  invitationRevoked: defineProblem('validation', 'ORG.INVITATION_REVOKED', 'The invitation was revoked (or replaced by a newer one): ask for a new invitation.'),
  invitationUsed: defineProblem('validation', 'ORG.INVITATION_USED', 'The invitation was already accepted: a token works once.'),
  invitationExpired: defineProblem('validation', 'ORG.INVITATION_EXPIRED', 'The invitation is older than 7 days: ask for a new one.'),
  invitationEmailMismatch: defineProblem(
    'forbidden',
    'ORG.INVITATION_EMAIL_MISMATCH',
    'The invitation was sent to another email address: sign in with the account of that address.',
  ),
  slugTaken: defineProblem('conflict', 'ORG.SLUG_TAKEN', 'Another organization already uses the slug: choose another.'),
  hasChildren: defineProblem('conflict', 'ORG.HAS_CHILDREN', 'Organizations are placed under this one: delete or move them first.'),
  notDeleted: defineProblem('conflict', 'ORG.NOT_DELETED', 'Only a deleted organization can be restored.'),
  parentDeleted: defineProblem('conflict', 'ORG.PARENT_DELETED', 'The parent organization is deleted: restore it first.'),
  hierarchyCycle: defineProblem('conflict', 'ORG.HIERARCHY_CYCLE', 'An organization cannot be placed under itself or one of its descendants.'),
  maxDepthExceeded: defineProblem(
    'conflict',
    'ORG.MAX_DEPTH_EXCEEDED',
    'The organization (with the ones under it) would be nested deeper than allowed: `depth` is the level its deepest one would reach, `maxDepth` the limit.',
    {
      extensions: {
        maxDepth: Type.Integer({ minimum: 1, description: 'How many levels organizations may be nested (ORG_MAX_DEPTH); a top-level one is level 1' }),
        depth: Type.Integer({ minimum: 1, description: 'The level the deepest organization would reach' }),
      },
    },
  ),
  lastOwner: defineProblem(
    'conflict',
    'ORG.LAST_OWNER',
    'The change would leave an organization (this one, or one below it that inherits its owners) without an owner: `orgIds` lists them; make someone else owner first.',
    { extensions: { orgIds: Type.Array(OrgId, { description: 'The organizations that would have no owner' }) } },
  ),
  memberInherited: defineProblem(
    'conflict',
    'ORG.MEMBER_INHERITED',
    'The member has no direct membership here, only a role inherited from a parent organization: remove it there, or override it here.',
  ),
  alreadyMember: defineProblem('conflict', 'ORG.ALREADY_MEMBER', 'The address (or your account) already belongs to a member of the organization.'),
};
