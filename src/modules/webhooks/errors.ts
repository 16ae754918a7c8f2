// The webhooks module's refusals, with their stable codes.
import { AppError, conflict, notFound } from '../../core/errors.ts';
import type { UrlNotAllowedError } from '../../core/net/ssrf-guard.ts';

export const endpointNotFound = () => notFound('Webhook', 'WEBHOOKS.NOT_FOUND');
export const deliveryNotFound = () => notFound('Webhook delivery', 'WEBHOOKS.DELIVERY_NOT_FOUND');

/**
 * 400 naming the field, with the guard's general reason and its fixed message: never the
 * addresses the host resolved to or the resolver's error (the caller logs those).
 */
export const urlNotAllowed = (err: UrlNotAllowedError) =>
  new AppError('validation', 'WEBHOOKS.URL_NOT_ALLOWED', 'The webhook URL is not allowed', {
    errors: [{ field: 'body.url', message: err.message }],
    details: { reason: err.reason },
  });

export const endpointDisabled = () => conflict('The webhook endpoint is disabled; enable it first', 'WEBHOOKS.ENDPOINT_DISABLED');
export const deliveryInProgress = () => conflict('The delivery is still in progress', 'WEBHOOKS.DELIVERY_PENDING');
export const tooManyEndpoints = (max: number) => conflict(`An organization may have at most ${max} webhook endpoints`, 'WEBHOOKS.TOO_MANY_ENDPOINTS');
