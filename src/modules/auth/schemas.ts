// The auth module's HTTP contract.
import { Type } from 'typebox';
import { Email as email, Line, named, Nullable, Opaque, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const Email = email('Email address (case-insensitive)');
// Length rules beyond the schema (code points, common passwords) are the policy's job.
export const Password = Opaque(1024);
export const OpaqueToken = Opaque(512, { minLength: 16 });

/** The account as sign-in answers show it (`GET /users/me` adds the profile). */
export const AccountView = named(
  'Account',
  Type.Object({
    id: Uuid(),
    email: Type.String(),
    emailVerified: Type.Boolean(),
    role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')]),
    mfaEnabled: Type.Boolean(),
    createdAt: Timestamp(),
  }),
);

export const Registration = named('Registration', Type.Object({ user: AccountView }));

export const RegisterBody = Type.Object({
  email: Email,
  password: Password,
  // At least one non-space character: the name is stored trimmed.
  displayName: Line(100),
});

export const LoginBody = Type.Object({
  email: Email,
  password: Password,
  deviceToken: Type.Optional(Opaque(512, { minLength: 0, description: 'A trusted-device token from /mfa/verify: skips the second factor' })),
});

export const TokenPair = named(
  'TokenPair',
  Type.Object({
    accessToken: Type.String(),
    refreshToken: Type.Optional(Type.String({ description: 'Always present, except when the request sent `X-Refresh-Cookie: 1`: then it is in the http-only cookie instead (decision 0050)' })),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
    user: AccountView,
    deviceToken: Type.Optional(Type.String({ description: 'Returned by /mfa/verify when trustDevice was asked' })),
  }),
);

export const MfaRequired = named(
  'MfaChallenge',
  Type.Object({
    mfaRequired: Type.Literal(true),
    mfaToken: Type.String(),
    expiresIn: Type.Integer(),
  }),
);

export const LoginResponse = named('LoginResult', Type.Union([TokenPair, MfaRequired], { description: 'Signed in (a token pair), or a second factor is needed (finish with /auth/mfa/verify)' }));

export const RefreshBody = Type.Object({
  refreshToken: Type.Optional({ ...OpaqueToken, description: 'Required, unless the request sends `X-Refresh-Cookie: 1` and the cookie carries it (web console, decision 0050)' }),
});
export const TokenBody = Type.Object({ token: OpaqueToken });
export const EmailBody = Type.Object({ email: Email });
export const ResetBody = Type.Object({ token: OpaqueToken, password: Password });
export const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password });

export const SessionView = named(
  'Session',
  Type.Object({
    id: Uuid(),
    device: Type.String(),
    userAgent: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    method: Type.String(),
    createdAt: Timestamp(),
    lastUsedAt: Timestamp(),
    expiresAt: Timestamp(),
    current: Type.Boolean(),
  }),
);
export const SessionList = named('SessionList', Type.Object({ data: Type.Array(SessionView) }));

export const IdParams = Type.Object({ id: Uuid() });

export const Scope = Type.String({
  pattern: '^[a-z][a-z_]*:[a-z][a-z_]*$',
  description: 'One of the scopes `GET /auth/scopes` lists, e.g. projects:read',
  examples: ['projects:read'],
});

export const CreateApiKeyBody = Type.Object({
  name: Line(100, { description: 'Stored trimmed' }),
  scopes: Type.Array(Scope, { minItems: 1, maxItems: 50 }),
  expiresAt: Type.Optional(Timestamp()),
});

export const ApiKeyView = named(
  'ApiKey',
  Type.Object({
    id: Uuid(),
    name: Type.String(),
    prefix: Type.String(),
    scopes: Type.Array(Type.String()),
    createdAt: Timestamp(),
    expiresAt: Nullable(Timestamp()),
    lastUsedAt: Nullable(Timestamp()),
  }),
);
export const ApiKeyList = named('ApiKeyList', Type.Object({ data: Type.Array(ApiKeyView) }));

export const ApiKeyScope = named(
  'ApiKeyScope',
  Type.Object({
    name: Type.String({ description: '`<resource>:<action>`, as routes name it', examples: ['projects:read'] }),
    description: Type.String({ description: 'What a key with it may do' }),
    module: Type.String({ description: 'Who declared it: `core` or a module', examples: ['projects'] }),
  }),
);
export const ApiKeyScopeList = named('ApiKeyScopeList', Type.Object({ data: Type.Array(ApiKeyScope) }));

export const CreatedApiKey = named('CreatedApiKey', Type.Intersect([ApiKeyView, Type.Object({ key: Type.String({ description: 'Shown once; store it now' }) })]));

/** The result of an `auth.purge_login_failures` job. */
export const LoginFailurePurgeResult = named(
  'LoginFailurePurgeResult',
  Type.Object(
    {
      pairs: Type.Integer({ minimum: 0, description: 'Failure counts of an email and a client deleted' }),
      accounts: Type.Integer({ minimum: 0, description: 'Failure counts of an email from all clients deleted' }),
    },
    { description: 'The result of an `auth.purge_login_failures` job' },
  ),
);

export const Accepted = named('Accepted', Type.Object({ status: Type.Literal('accepted') }));
