// The HTTP contract of one-time email codes, TOTP, recovery codes and trusted devices.
import { Type } from 'typebox';
import { Email } from './schemas.ts';

export const SixDigits = Type.String({ pattern: '^\\d{6}$', description: 'Six digits' });
const RecoveryCode = Type.String({ minLength: 8, maxLength: 32, description: 'A recovery code, e.g. `abcd-ef23`' });
const DeviceToken = Type.String({ maxLength: 512, description: 'A trusted-device token from /auth/mfa/verify: skips the second factor' });

export const OtpRequestBody = Type.Object({ email: Email });

export const OtpVerifyBody = Type.Object({
  email: Email,
  code: SixDigits,
  deviceToken: Type.Optional(DeviceToken),
});

export const TotpSetupResponse = Type.Object({
  secret: Type.String({ description: 'Base32 secret, for manual entry in an authenticator app' }),
  otpauthUrl: Type.String({ description: 'otpauth:// URL to show as a QR code' }),
});

export const TotpCodeBody = Type.Object({ code: SixDigits });

export const RecoveryCodesResponse = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { minItems: 10, maxItems: 10, description: 'Single-use codes, shown once: store them safely' }),
});

export const TotpDisableBody = Type.Object({
  code: Type.String({ minLength: 6, maxLength: 32, description: 'A current TOTP code or an unused recovery code' }),
});

export const MfaVerifyBody = Type.Object({
  mfaToken: Type.String({ minLength: 16, maxLength: 512, description: 'The mfaToken of a sign-in that answered mfaRequired' }),
  code: Type.Optional(SixDigits),
  recoveryCode: Type.Optional(RecoveryCode),
  trustDevice: Type.Optional(Type.Boolean({ description: 'Also return a deviceToken that skips the second factor on this device for 30 days' })),
  deviceName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
});

export const DeviceView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  label: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const DeviceList = Type.Object({ data: Type.Array(DeviceView) });
