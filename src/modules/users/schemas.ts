import { Type } from 'typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const Profile = Type.Object({
  displayName: Type.String(),
  bio: Nullable(Type.String()),
  avatarUrl: Nullable(Type.String()),
  timezone: Type.String(),
  locale: Type.String(),
});

export const UserView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')]),
  profile: Profile,
  createdAt: Type.String({ format: 'date-time' }),
});

export const UpdateMeBody = Type.Object({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })),
  bio: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  avatarUrl: Type.Optional(Nullable(Type.String({ format: 'uri', pattern: '^https://', maxLength: 2048 }))),
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' })),
  locale: Type.Optional(Type.String({ minLength: 2, maxLength: 35, description: 'BCP 47 tag, e.g. fr-CH' })),
});

export const DeleteMeBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 1024 }) });

export const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Matches email or display name' })),
  role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')])),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export const AdminPatchBody = Type.Object({
  role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('admin')])),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
});

export const UserIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
