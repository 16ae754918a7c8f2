import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Opaque, Text, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const Profile = named(
  'UserProfile',
  Type.Object({
    displayName: Type.String(),
    bio: Nullable(Type.String()),
    avatarUrl: Nullable(Type.String()),
    timezone: Type.String(),
    locale: Type.String(),
  }),
);

/** A user with their profile: `GET /users/me` and the admin user routes. */
export const UserView = named(
  'User',
  Type.Object({
    id: Uuid(),
    email: Type.String(),
    emailVerified: Type.Boolean(),
    role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')]),
    profile: Profile,
    createdAt: Timestamp(),
  }),
);

export const UpdateMeBody = Type.Object({
  displayName: Type.Optional(Line(100)),
  bio: Type.Optional(Nullable(Text(2000))),
  avatarUrl: Type.Optional(Nullable(Line(2048, { pattern: '^https://', format: 'uri', examples: ['https://example.com/me.png'] }))),
  timezone: Type.Optional(Line(64, { description: 'IANA time zone, e.g. Europe/Paris' })),
  locale: Type.Optional(Line(35, { minLength: 2, description: 'BCP 47 tag, e.g. fr-CH' })),
});

export const DeleteMeBody = Type.Object({ password: Opaque(1024) });

export const ListQuery = Type.Object({
  q: Type.Optional(Line(200, { minLength: 0, blank: true, description: 'Matches email or display name' })),
  role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')])),
  ...PageQuery,
});

export const AdminPatchBody = Type.Object({
  role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
});

export const UserIdParams = Type.Object({ id: Uuid() });
