// The HTTP contract of one-time email codes, TOTP, recovery codes and trusted devices.
import { Type } from 'typebox';
import { Line, named, Nullable, Opaque, Timestamp, Uuid } from '../../core/http/schema-types.ts';
import { Email } from './schemas.ts';

export const SixDigits = Type.String({ pattern: '^\\d{6}$', description: 'Six digits', examples: ['123456'] });
const RecoveryCode = Opaque(32, { minLength: 8, description: 'A recovery code, e.g. `abcd-ef23`' });
const DeviceToken = Opaque(512, { minLength: 0, description: 'A trusted-device token from /auth/mfa/verify: skips the second factor' });

export const OtpRequestBody = Type.Object({ email: Email });

export const OtpVerifyBody = Type.Object({
  email: Email,
  code: SixDigits,
  deviceToken: Type.Optional(DeviceToken),
});

export const TotpSetupResponse = named(
  'TotpSetup',
  Type.Object({
    secret: Type.String({ description: 'Base32 secret, for manual entry in an authenticator app' }),
    otpauthUrl: Type.String({ description: 'otpauth:// URL to show as a QR code' }),
  }),
);

export const TotpCodeBody = Type.Object({ code: SixDigits });

export const RecoveryCodesResponse = named(
  'RecoveryCodes',
  Type.Object({
    recoveryCodes: Type.Array(Type.String(), { minItems: 10, maxItems: 10, description: 'Single-use codes, shown once: store them safely' }),
  }),
);

export const TotpDisableBody = Type.Object({
  code: Opaque(32, { minLength: 6, description: 'A current TOTP code or an unused recovery code' }),
});

export const MfaVerifyBody = Type.Object({
  mfaToken: Opaque(512, { minLength: 16, description: 'The mfaToken of a sign-in that answered mfaRequired' }),
  code: Type.Optional(SixDigits),
  recoveryCode: Type.Optional(RecoveryCode),
  trustDevice: Type.Optional(Type.Boolean({ description: 'Also return a deviceToken that skips the second factor on this device for 30 days' })),
  deviceName: Type.Optional(Line(100, { blank: true })),
});

export const DeviceView = named(
  'TrustedDevice',
  Type.Object({
    id: Uuid(),
    label: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    createdAt: Timestamp(),
    lastUsedAt: Timestamp(),
    expiresAt: Timestamp(),
  }),
);

export const DeviceList = named('TrustedDeviceList', Type.Object({ data: Type.Array(DeviceView) }));
