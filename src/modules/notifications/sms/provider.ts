// Text messages go through a provider behind this interface, chosen by SMS_PROVIDER.

export interface SmsMessage {
  /** E.164, e.g. +41791234567. */
  to: string;
  body: string;
}

export interface SmsProvider {
  readonly name: string;
  /** Resolves with the provider's message id; throws SmsError when the message was not accepted. */
  send(message: SmsMessage): Promise<{ id: string }>;
}

export class SmsError extends Error {
  /** True when sending the same message again cannot succeed (bad number, bad credentials). */
  readonly permanent: boolean;
  readonly status: number | undefined;
  readonly providerCode: string | undefined;

  constructor(message: string, opts: { permanent: boolean; status?: number; providerCode?: string }) {
    super(message);
    this.name = 'SmsError';
    this.permanent = opts.permanent;
    this.status = opts.status;
    this.providerCode = opts.providerCode;
  }
}
