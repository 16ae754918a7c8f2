// Twilio's Messages API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json with basic
// auth and a form-encoded To/From/Body. The base URL is injectable so tests talk to a
// local fake server. Errors are mapped to SmsError: 4xx answers (a bad number, bad
// credentials) are permanent, 429, 5xx, timeouts and network failures are worth a retry.
import type { SmsMessage, SmsProvider } from './provider.ts';
import { SmsError } from './provider.ts';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string;
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const TWILIO_API = 'https://api.twilio.com';

export function createTwilioSmsProvider(opts: TwilioOptions): SmsProvider {
  const base = (opts.baseUrl ?? TWILIO_API).replace(/\/$/, '');
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;

  return {
    name: 'twilio',
    async send(message: SmsMessage) {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ To: message.to, From: opts.from, Body: message.body }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        const timedOut = (err as Error).name === 'TimeoutError';
        throw new SmsError(timedOut ? `Twilio did not answer within ${timeoutMs} ms` : `Twilio unreachable: ${(err as Error).message}`, { permanent: false });
      }
      const text = await res.text().catch(() => '');
      const body = parseJson(text);
      if (res.ok) {
        if (typeof body?.sid !== 'string') throw new SmsError('Twilio accepted the message but returned no sid', { permanent: false, status: res.status });
        return { id: body.sid };
      }
      // Twilio's error body: { code, message, more_info, status }.
      const providerCode = body?.code !== undefined ? String(body.code) : undefined;
      const detail = typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`;
      const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
      throw new SmsError(`Twilio refused the message: ${detail}`, { permanent, status: res.status, providerCode });
    },
  };
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}
