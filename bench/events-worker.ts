// The dispatcher of the outbox benchmarks, in a process of its own: the real dispatcher
// (createDispatcher with the app's defaults: batches of 500, NOTIFY wake-ups, a 1 s fallback
// poll) on a pool of 10 like the server's, delivering to the three read models of
// bench/lib/events/read-models.ts (EVENTS_SUBSCRIBERS=each: without their handleBatch). Started by `npm run bench -- events` with the Node flags
// of `npm start` and NODE_ENV=production; the publisher is the bench process, as requests
// would be another instance's or this one's event loop.
//
//   EVENTS_DATABASE_URL=postgres://… node bench/events-worker.ts
//
// Prints `{"msg":"events worker ready","port":0}` once listening for NOTIFY; SIGTERM stops the
// dispatcher (the batch in flight finishes) and exits.
import { openDatabase } from '../src/core/db/database.ts';
import { createDispatcher } from '../src/core/events/dispatcher.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { readModelSubscribers } from './lib/events/read-models.ts';

const url = process.env.EVENTS_DATABASE_URL;
if (!url) throw new Error('EVENTS_DATABASE_URL is required');
const database = await openDatabase({ url, poolSize: Number(process.env.EVENTS_POOL_SIZE ?? 10) });
const subscribers = readModelSubscribers({ batch: process.env.EVENTS_SUBSCRIBERS !== 'each' });
const dispatcher = createDispatcher({ database, subscribers, log: createLogger('warn'), maxAttempts: 8 });
await dispatcher.start();
process.stdout.write(`${JSON.stringify({ msg: 'events worker ready', port: 0, pid: process.pid })}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  dispatcher
    .stop()
    .then(() => database.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
