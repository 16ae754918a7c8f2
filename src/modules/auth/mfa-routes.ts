// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { CoreProblems, type ProblemType } from '../../core/errors.ts';
import type { Principal, RequestInfo } from '../../core/http/principal.ts';
import { principalOf, requestInfo } from '../../core/http/principal.ts';
import type { HttpServer } from '../../core/http/server.ts';
import type { TrustedDevices } from './devices.ts';
import * as M from './mfa-schemas.ts';
import type { OtpService } from './otp.ts';
import { AuthProblems as P } from './problems.ts';
import { CookieOptIn, deliverPair } from './refresh-cookie.ts';
import * as S from './schemas.ts';
import type { TokenPair } from './sessions.ts';

const tags = ['auth'];

export interface MfaVerifyInput {
  mfaToken: string;
  code?: string;
  recoveryCode?: string;
  trustDevice?: boolean;
  deviceName?: string;
}

/** The TOTP use cases the routes call (implemented in mfa.ts). */
export interface TotpApi {
  setup(principal: Principal): Promise<{ secret: string; otpauthUrl: string }>;
  confirm(principal: Principal, code: string): Promise<{ recoveryCodes: string[] }>;
  disable(principal: Principal, code: string): Promise<void>;
  verify(input: MfaVerifyInput, info: RequestInfo): Promise<TokenPair & { deviceToken?: string }>;
}

export function mfaRoutes(deps: { otp: Pick<OtpService, 'request' | 'verify'>; totp: TotpApi; devices: Pick<TrustedDevices, 'list' | 'revoke'>; authRateLimit: number; refreshTokenTtl: number }) {
  const { otp, totp, devices } = deps;
  // Every endpoint that checks a code gets the tighter per-IP limit of the credential endpoints.
  const strict = { rateLimit: { max: deps.authRateLimit, timeWindow: 60_000 } };
  // The problems each route can answer beyond core's (decision 0028).
  const strictWith = (...problems: ProblemType[]) => ({ ...strict, problems });
  const signedInStrict = (...problems: ProblemType[]) => ({ auth: true as const, ...strictWith(...problems) });

  return async (app: HttpServer) => {
    app.post('/auth/otp/request', {
      config: strict,
      schema: {
        tags,
        operationId: 'requestSignInCode',
        summary: 'Mail a one-time sign-in code',
        description: 'Answers 202 whether or not the email has an account. The code is valid for 10 minutes and 5 attempts; a new code voids the previous one.',
        body: M.OtpRequestBody,
        response: { 202: S.Accepted },
      },
      handler: async (req, reply) => {
        await otp.request(req.body.email);
        return reply.status(202).send({ status: 'accepted' as const });
      },
    });

    app.post('/auth/otp/verify', {
      config: strictWith(P.invalidCode, P.accountDisabled),
      schema: {
        tags,
        operationId: 'logInWithCode',
        summary: 'Sign in with a mailed one-time code',
        description: 'Returns a token pair, or `{ mfaRequired, mfaToken }` when the account has TOTP enabled (finish with /auth/mfa/verify). Also verifies the email address.',
        body: M.OtpVerifyBody,
        headers: CookieOptIn,
        response: { 200: S.LoginResponse },
      },
      handler: async (req, reply) => deliverPair(req, reply, await otp.verify(req.body, requestInfo(req)), deps.refreshTokenTtl),
    });

    app.post('/auth/mfa/totp/setup', {
      config: signedInStrict(P.mfaAlreadyEnabled),
      schema: {
        tags,
        operationId: 'setUpTotp',
        summary: 'Start TOTP set-up: returns a new secret',
        description: 'The secret stays pending until /auth/mfa/totp/confirm accepts a code from it. Calling it again replaces a pending secret.',
        response: { 200: M.TotpSetupResponse },
      },
      handler: async (req) => totp.setup(principalOf(req)),
    });

    app.post('/auth/mfa/totp/confirm', {
      config: signedInStrict(P.wrongTotpCode, P.mfaAlreadyEnabled, P.mfaNotSetUp),
      schema: {
        tags,
        operationId: 'confirmTotp',
        summary: 'Enable TOTP with a first code; returns recovery codes',
        body: M.TotpCodeBody,
        response: { 200: M.RecoveryCodesResponse },
      },
      handler: async (req) => totp.confirm(principalOf(req), req.body.code),
    });

    app.delete('/auth/mfa/totp', {
      config: signedInStrict(P.wrongTotpCode, P.mfaNotEnabled),
      schema: {
        tags,
        operationId: 'disableTotp',
        summary: 'Disable TOTP',
        description: 'Needs a current TOTP code or a recovery code. Recovery codes and trusted devices are deleted too.',
        body: M.TotpDisableBody,
        response: { 204: Type.Null() },
      },
      handler: async (req, reply) => {
        await totp.disable(principalOf(req), req.body.code);
        return reply.status(204).send(null);
      },
    });

    app.post('/auth/mfa/verify', {
      config: strictWith(P.invalidMfaToken, P.invalidCode),
      schema: {
        tags,
        operationId: 'verifySecondFactor',
        summary: 'Finish a sign-in with a TOTP code or a recovery code',
        description: 'Give exactly one of `code` and `recoveryCode`. The mfaToken allows 5 attempts within 5 minutes. With `trustDevice`, the answer carries a `deviceToken` to send with later sign-ins.',
        body: M.MfaVerifyBody,
        headers: CookieOptIn,
        response: { 200: S.TokenPair },
      },
      handler: async (req, reply) => deliverPair(req, reply, await totp.verify(req.body, requestInfo(req)), deps.refreshTokenTtl),
    });

    app.get('/auth/devices', {
      config: { auth: true },
      schema: { tags, operationId: 'listTrustedDevices', summary: 'List my trusted devices', response: { 200: M.DeviceList } },
      handler: async (req) => ({ data: await devices.list(principalOf(req)) }),
    });

    app.delete('/auth/devices/:id', {
      config: { auth: true, problems: [CoreProblems.notFound] },
      schema: { tags, operationId: 'removeTrustedDevice', summary: 'Stop trusting a device', params: S.IdParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await devices.revoke(principalOf(req), req.params.id);
        return reply.status(204).send(null);
      },
    });
  };
}
