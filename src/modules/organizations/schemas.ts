// The HTTP contract of the organizations module.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Email, Line, named, Nullable, Opaque, Timestamp, Uuid } from '../../core/http/schema-types.ts';
import { SLUG_PATTERN } from './rules.ts';

export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member'), Type.Literal('viewer')]);

const Id = Uuid();
const Name = Line(200);
const Slug = Type.String({ minLength: 1, maxLength: 64, pattern: SLUG_PATTERN, description: 'Lowercase letters, digits and inner hyphens', examples: ['acme-east'] });
const Timezone = Line(64, { description: 'IANA time zone, e.g. Europe/Paris' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR', examples: ['EUR'] });
const Time = Timestamp();

export const OrganizationView = Type.Object({
  id: Id,
  name: Type.String(),
  slug: Type.String(),
  parentId: Nullable(Id),
  timezone: Type.String(),
  currency: Type.String(),
  createdAt: Time,
  updatedAt: Time,
});

/** An organization as its caller sees it: with the caller's effective role. */
export const Organization = named(
  'Organization',
  Type.Object({
    ...OrganizationView.properties,
    role: Role,
    inherited: Type.Boolean({ description: 'The role comes from a membership in an ancestor organization' }),
  }),
);

export const CreateOrgBody = Type.Object({
  name: Name,
  slug: Slug,
  parentId: Type.Optional(Id),
  // The defaults are the service's too; here they reach the document.
  timezone: Type.Optional({ ...Timezone, default: 'UTC' }),
  currency: Type.Optional({ ...Currency, default: 'EUR' }),
});

export const UpdateOrgBody = Type.Object({
  name: Type.Optional(Name),
  slug: Type.Optional(Slug),
  timezone: Type.Optional(Timezone),
  currency: Type.Optional(Currency),
  parentId: Type.Optional(Nullable(Uuid('Moves the organization; null makes it top-level'))),
});

export const OrgParams = Type.Object({ orgId: Id });
export const MemberParams = Type.Object({ orgId: Id, userId: Id });
export const InvitationParams = Type.Object({ orgId: Id, id: Id });

export const ListQuery = Type.Object({ ...PageQuery });

export const Member = named(
  'OrganizationMember',
  Type.Object({
    userId: Id,
    email: Type.String(),
    role: Role,
    inherited: Type.Boolean(),
    inheritedFrom: Nullable(Uuid('The ancestor organization whose membership gives the role')),
    joinedAt: Time,
  }),
);

export const MemberRoleBody = Type.Object({ role: Role });

export const InviteBody = Type.Object({
  email: Email(),
  role: Role,
});

export const Invitation = named(
  'Invitation',
  Type.Object({
    id: Id,
    orgId: Id,
    email: Type.String(),
    role: Role,
    invitedBy: Id,
    createdAt: Time,
    expiresAt: Time,
  }),
);

export const AcceptBody = Type.Object({ token: Opaque(200) });
