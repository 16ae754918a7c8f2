// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { CoreProblems, invalid, type ProblemType } from '../../core/errors.ts';
import { principalOf, requestInfo } from '../../core/http/principal.ts';
import type { HttpServer } from '../../core/http/server.ts';
import type { ApiKeyService } from './api-keys.ts';
import { AuthProblems as P } from './problems.ts';
import { clearCookie, CookieOptIn, cookieToken, deliverPair, deviceCookieToken, wantsCookie } from './refresh-cookie.ts';
import * as S from './schemas.ts';
import type { AccountService } from './service.ts';

const tags = ['auth'];
const accepted = { status: 'accepted' as const };
/** Signed in, with problems of the domain beyond core's (decision 0028). */
const signedIn = (...problems: ProblemType[]) => ({ auth: true as const, problems });

export function authRoutes(deps: { accounts: AccountService; apiKeys: ApiKeyService; authRateLimit: number; refreshTokenTtl: number }) {
  const { accounts, apiKeys } = deps;
  // Credential endpoints get a tighter per-IP limit than the rest of the API.
  const strict = { rateLimit: { max: deps.authRateLimit, timeWindow: 60_000 } };
  const strictWith = (...problems: ProblemType[]) => ({ ...strict, problems });

  return async (app: HttpServer) => {
    app.post('/auth/register', {
      config: strictWith(P.weakPassword, CoreProblems.conflict),
      schema: {
        tags,
        operationId: 'registerAccount',
        summary: 'Create an account',
        description:
          'A verification mail follows; signing in does not wait for it (`user.emailVerified` tells). 409 CONFLICT when the email is taken, 400 AUTH.WEAK_PASSWORD when the password is too weak.',
        body: S.RegisterBody, response: { 201: S.Registration } },
      handler: async (req, reply) => {
        const user = await accounts.register(req.body);
        return reply.status(201).send({ user });
      },
    });

    app.post('/auth/verify-email', {
      config: strictWith(P.invalidToken),
      schema: {
        tags,
        operationId: 'verifyEmail',
        summary: 'Confirm an email address with the mailed token',
        description: 'The token is in the link of the verification mail. 400 AUTH.INVALID_TOKEN when it is unknown, used or expired.',
        body: S.TokenBody, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await accounts.verifyEmail(req.body.token);
        return reply.status(204).send(null);
      },
    });

    app.post('/auth/verify-email/resend', {
      config: strict,
      schema: { tags, operationId: 'resendVerificationEmail', summary: 'Send the verification mail again', description: 'Answers 202 whether or not the email has an account.', body: S.EmailBody, response: { 202: S.Accepted } },
      handler: async (req, reply) => {
        await accounts.resendVerification(req.body.email);
        return reply.status(202).send(accepted);
      },
    });

    app.post('/auth/login', {
      config: strictWith(P.invalidCredentials, P.accountDisabled, P.accountLocked, P.accountSlowed),
      schema: {
        tags,
        operationId: 'logIn',
        summary: 'Sign in with email and password',
        description:
          'Returns a token pair, or `{ mfaRequired, mfaToken }` when a second factor is needed (finish with /auth/mfa/verify). ' +
          'Too many failures from one address lock that address out of the account (429 `AUTH.ACCOUNT_LOCKED`); too many from all addresses together space its attempts a few seconds apart (429 `AUTH.ACCOUNT_SLOWED`). Both carry `Retry-After`.',
        body: S.LoginBody,
        headers: CookieOptIn,
        response: { 200: S.LoginResponse },
      },
      handler: async (req, reply) => {
        // The console's trusted-device token is a cookie sent to this route only (decision 0050).
        const deviceToken = req.body.deviceToken || (wantsCookie(req) ? deviceCookieToken(req) : undefined);
        const input = deviceToken ? { ...req.body, deviceToken } : req.body;
        return deliverPair(req, reply, await accounts.login(input, requestInfo(req)), deps.refreshTokenTtl);
      },
    });

    app.post('/auth/refresh', {
      config: strictWith(P.invalidRefreshToken, P.refreshTokenReused),
      schema: {
        tags,
        operationId: 'refreshTokens',
        summary: 'Exchange a refresh token for a new pair (rotation)',
        description:
          'Store the new refresh token: the old one is spent. Refreshes with the same token within 10 s get the same pair; a spent token presented later revokes the whole session (401 AUTH.REFRESH_TOKEN_REUSED). ' +
          'With `X-Refresh-Cookie: 1` and no body token, the token is read from the cookie and the new one set there; a refused cookie is cleared.',
        body: S.RefreshBody,
        headers: CookieOptIn,
        response: { 200: S.TokenPair } },
      handler: async (req, reply) => {
        const fromCookie = !req.body.refreshToken && wantsCookie(req);
        const token = req.body.refreshToken ?? (fromCookie ? cookieToken(req) : undefined);
        if (!token) {
          if (fromCookie) throw P.invalidRefreshToken.error('No refresh token cookie was sent');
          throw invalid('body.refreshToken', 'is required');
        }
        try {
          return deliverPair(req, reply, await accounts.refresh(token, requestInfo(req)), deps.refreshTokenTtl);
        } catch (err) {
          if (fromCookie) clearCookie(req, reply);
          throw err;
        }
      },
    });

    app.post('/auth/logout', {
      config: { auth: true },
      schema: {
        tags,
        operationId: 'logOut',
        summary: 'End the current session',
        description: 'With `X-Refresh-Cookie: 1`, the refresh token cookie is cleared too.',
        headers: CookieOptIn,
        response: { 204: Type.Null() },
      },
      handler: async (req, reply) => {
        await accounts.logout(principalOf(req));
        if (wantsCookie(req)) clearCookie(req, reply);
        return reply.status(204).send(null);
      },
    });

    app.get('/auth/sessions', {
      config: { auth: true },
      schema: { tags, operationId: 'listSessions', summary: 'List my active sessions', response: { 200: S.SessionList } },
      handler: async (req) => ({ data: await accounts.listSessions(principalOf(req)) }),
    });

    app.delete('/auth/sessions/:id', {
      config: signedIn(CoreProblems.notFound),
      schema: { tags, operationId: 'revokeSession', summary: 'Revoke one of my sessions', params: S.IdParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await accounts.revokeSession(principalOf(req), req.params.id);
        return reply.status(204).send(null);
      },
    });

    app.post('/auth/sessions/revoke-others', {
      config: { auth: true },
      schema: { tags, operationId: 'revokeOtherSessions', summary: 'Revoke every session but this one', response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await accounts.revokeOtherSessions(principalOf(req));
        return reply.status(204).send(null);
      },
    });

    app.post('/auth/password/forgot', {
      config: strict,
      schema: { tags, operationId: 'requestPasswordReset', summary: 'Mail a password reset link', description: 'Answers 202 whether or not the email has an account.', body: S.EmailBody, response: { 202: S.Accepted } },
      handler: async (req, reply) => {
        await accounts.forgotPassword(req.body.email);
        return reply.status(202).send(accepted);
      },
    });

    app.post('/auth/password/reset', {
      config: strictWith(P.invalidToken, P.weakPassword),
      schema: {
        tags,
        operationId: 'resetPassword',
        summary: 'Set a new password with a reset token; signs out every session',
        description: 'The token is in the link of the reset mail (30 minutes). 400 AUTH.INVALID_TOKEN when it is unknown, used or expired.',
        body: S.ResetBody, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await accounts.resetPassword(req.body.token, req.body.password);
        return reply.status(204).send(null);
      },
    });

    app.post('/auth/password/change', {
      config: { auth: true, ...strictWith(P.wrongPassword, P.weakPassword) },
      schema: { tags, operationId: 'changePassword', summary: 'Change my password; other sessions are signed out', body: S.ChangePasswordBody, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await accounts.changePassword(principalOf(req), req.body.currentPassword, req.body.newPassword);
        return reply.status(204).send(null);
      },
    });

    app.get('/auth/scopes', {
      schema: {
        tags,
        operationId: 'listApiKeyScopes',
        summary: 'List the scopes an API key can hold',
        description: 'Each is checked by the routes that name it in their description; a key asked with another is refused (400 AUTH.UNKNOWN_SCOPE).',
        response: { 200: S.ApiKeyScopeList },
      },
      handler: async () => ({ data: [...apiKeys.scopes()] }),
    });

    app.post('/auth/api-keys', {
      config: signedIn(P.tooManyApiKeys, P.unknownScope),
      schema: { tags, operationId: 'createApiKey', summary: 'Create an API key (the key is shown once)', body: S.CreateApiKeyBody, response: { 201: S.CreatedApiKey } },
      handler: async (req, reply) => reply.status(201).send(await apiKeys.create(principalOf(req), req.body)),
    });

    app.get('/auth/api-keys', {
      config: { auth: true },
      schema: { tags, operationId: 'listApiKeys', summary: 'List my API keys', response: { 200: S.ApiKeyList } },
      handler: async (req) => ({ data: await apiKeys.list(principalOf(req)) }),
    });

    app.delete('/auth/api-keys/:id', {
      config: signedIn(CoreProblems.notFound),
      schema: { tags, operationId: 'revokeApiKey', summary: 'Revoke an API key', params: S.IdParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await apiKeys.revoke(principalOf(req), req.params.id);
        return reply.status(204).send(null);
      },
    });
  };
}
