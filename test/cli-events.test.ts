// `npm run cli -- events`: the whole event graph, read from the registries, run as a user would.
// It opens no database: DATA_DIR and DATABASE_URL point nowhere usable.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const node = join(process.cwd(), 'node_modules/.bin/node');
const env = { ...process.env, DATA_DIR: '/nonexistent/trellis-cli-events', LOG_LEVEL: 'silent', NODE_ENV: 'development', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
const cli = (...args: string[]) => run(node, ['src/cli.ts', 'events', ...args], { env, timeout: 60_000 });

describe('cli events', () => {
  it('prints every declared event with its producer, version, public flag and consumers', async () => {
    const { stdout } = await cli();
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EVENT\s+PRODUCER\s+V\s+PUBLIC\s+CONSUMERS$/);
    const row = (type: string) => lines.find((l) => l.startsWith(`${type} `))?.split(/\s{2,}/);
    expect(row('time.entry_created')).toEqual(['time.entry_created', 'time', '1', 'yes', 'audit.record, webhooks.fan_out']);
    // Internal events reach no receiver: the webhooks fan-out does not consume them.
    expect(row('auth.user_registered')).toEqual(['auth.user_registered', 'auth', '1', 'no', 'audit.record, auth.send_verification_on_register, users.create_profile']);
    expect(row('users.deleted')?.[4]).toContain('organizations.remove_deleted_user');
  }, 90_000);

  it('prints the same graph as JSON with --json', async () => {
    const graph = JSON.parse((await cli('--json')).stdout) as { type: string; producer: string; public: boolean; consumers: string[]; description: string }[];
    expect(graph.length).toBeGreaterThan(50);
    expect(graph.map((e) => e.type)).toEqual([...graph.map((e) => e.type)].sort());
    for (const e of graph) {
      expect(e.type.startsWith(`${e.producer}.`), e.type).toBe(true);
      expect(e.description, e.type).toMatch(/\S/);
      expect(e.consumers, e.type).toContain('audit.record');
      expect(e.consumers.includes('webhooks.fan_out'), e.type).toBe(e.public);
    }
  }, 90_000);
});
