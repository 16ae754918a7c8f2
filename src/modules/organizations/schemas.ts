// The HTTP contract of the organizations module.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { SLUG_PATTERN } from './rules.ts';

export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member'), Type.Literal('viewer')]);

const Uuid = Type.String({ format: 'uuid' });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Slug = Type.String({ minLength: 1, maxLength: 64, pattern: SLUG_PATTERN, description: 'Lowercase letters, digits and inner hyphens' });
const Timezone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });
const Time = Type.String({ format: 'date-time' });

export const OrganizationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  parentId: Type.Union([Uuid, Type.Null()]),
  timezone: Type.String(),
  currency: Type.String(),
  createdAt: Time,
  updatedAt: Time,
});

/** An organization as its caller sees it: with the caller's effective role. */
export const Organization = Type.Object({
  ...OrganizationView.properties,
  role: Role,
  inherited: Type.Boolean({ description: 'The role comes from a membership in an ancestor organization' }),
});

export const CreateOrgBody = Type.Object({
  name: Name,
  slug: Slug,
  parentId: Type.Optional(Uuid),
  timezone: Type.Optional(Timezone),
  currency: Type.Optional(Currency),
});

export const UpdateOrgBody = Type.Object({
  name: Type.Optional(Name),
  slug: Type.Optional(Slug),
  timezone: Type.Optional(Timezone),
  currency: Type.Optional(Currency),
  parentId: Type.Optional(Type.Union([Uuid, Type.Null()], { description: 'Moves the organization; null makes it top-level' })),
});

export const OrgParams = Type.Object({ orgId: Uuid });
export const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });
export const InvitationParams = Type.Object({ orgId: Uuid, id: Uuid });

export const ListQuery = Type.Object({ ...PageQuery });

export const Member = Type.Object({
  userId: Uuid,
  email: Type.String(),
  role: Role,
  inherited: Type.Boolean(),
  inheritedFrom: Type.Union([Uuid, Type.Null()], { description: 'The ancestor organization whose membership gives the role' }),
  joinedAt: Time,
});

export const MemberRoleBody = Type.Object({ role: Role });

export const InviteBody = Type.Object({
  email: Type.String({ format: 'email', maxLength: 254 }),
  role: Role,
});

export const Invitation = Type.Object({
  id: Uuid,
  orgId: Uuid,
  email: Type.String(),
  role: Role,
  invitedBy: Uuid,
  createdAt: Time,
  expiresAt: Time,
});

export const AcceptBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
