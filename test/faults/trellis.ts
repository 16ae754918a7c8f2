// The Trellis server as a real process (`node src/main.ts`), as test/processes.ts starts it,
// with each log line kept with the time it arrived (the suite measures when things are said),
// and the exit code kept for a start that fails.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NODE, ROOT, serverEnv } from '../processes.ts';

export interface LogLine {
  /** Date.now() when the line arrived. */
  at: number;
  entry: Record<string, any>;
  text: string;
}

export interface Trellis {
  child: ChildProcess;
  started: number;
  lines: LogLine[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the ports of 'trellis ready'; rejects if the process exits first. */
  ready: Promise<{ port: number; metricsPort: number | undefined; base: string }>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
}

export function spawnTrellis(dataDir: string, env: Record<string, string>): Trellis {
  const started = Date.now();
  const child = spawn(NODE, ['src/main.ts'], {
    cwd: ROOT,
    env: serverEnv(dataDir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, at: Date.now() })),
  );
  const ready = new Promise<{ port: number; metricsPort: number | undefined; base: string }>((ok, fail) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let entry: Record<string, any>;
      try {
        entry = JSON.parse(text);
      } catch {
        entry = { msg: text };
      }
      lines.push({ at: Date.now(), entry, text });
      if (entry.msg === 'trellis ready') ok({ port: Number(entry.port), metricsPort: entry.metricsPort, base: `http://127.0.0.1:${entry.port}` });
    });
    void exited.then(({ code, signal }) => fail(new Error(`trellis exited before ready (code ${code}, signal ${signal})\n${stderr}`)));
  });
  ready.catch(() => {});
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    started,
    lines,
    stderr: () => stderr,
    exited,
    ready,
    alive,
    async stop(ms = 15_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
    },
  };
}
