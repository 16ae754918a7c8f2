// Imported first by every entry point (server, CLI, scripts). Node 24 can hang for ever at exit
// when a background JIT job (Sparkplug's concurrent baseline compiler, Maglev) waits for a
// garbage collection that only the main thread can run, while the main thread, exiting, waits
// for that job (nodejs/node#54918, #64274). CI met it in short CLI processes (`cli db-url`,
// `cli new-module`) once the app's code grew. Compiling baseline code on the main thread, and
// optimising there in processes that are about to end, removes the waiting side; the cost is a
// little main-thread time while code warms up.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-concurrent-sparkplug');

/**
 * For processes that run once and exit (CLI commands, scripts): no concurrent optimising either.
 * Maglev's background dispatcher is made when the isolate starts, so turning concurrent
 * recompilation off afterwards does not reach it: a hung `cli new-module` showed a Maglev job
 * waiting for a collection while the main thread, exiting, joined its thread. Maglev is turned
 * off instead (hot code goes straight to Turbofan, compiled on the main thread); a short
 * process loses nothing it would notice.
 */
export function compileOnMainThread(): void {
  setFlagsFromString('--no-concurrent-recompilation');
  setFlagsFromString('--no-maglev');
}
