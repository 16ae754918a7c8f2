export { createRealtimeBroker, MAX_ENVELOPE_BYTES, REALTIME_NOTIFY_CHANNEL, REALTIME_REDIS_CHANNEL, type RealtimeBrokerOptions } from './broker.ts';
export type { RealtimeBroker, RealtimeMessage } from './types.ts';
