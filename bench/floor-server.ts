// The floor: the least a `/users/me` can cost on this stack. Bare Fastify (no plugins, no
// per-request logging, no rate limit), the same kind of JWT check as Trellis (HS256 with
// node:crypto in constant time, pinned alg, iss/aud/exp and required sub/sid/iat; Trellis moved
// off jose for speed, so the floor did too, to stay the floor) and one parameterized SELECT of
// the caller's profile row, answered as JSON through a response schema.
//
// Database: a `pg` Pool (FLOOR_POOL_SIZE, default 10 like Trellis) against FLOOR_DATABASE_URL,
// the database the Trellis server under test uses (a PostgreSQL server, or the embedded one
// of its DATA_DIR), reading the real `users.profiles` row of the token's subject (read-only).
// Prints one JSON line `{"msg":"floor ready","port":N}` on stdout once listening.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const env = process.env;
const secret = env.JWT_SECRET;
if (!secret) throw new Error('JWT_SECRET is required');
const issuer = env.JWT_ISSUER ?? 'trellis';
const audience = env.JWT_AUDIENCE ?? 'trellis-api';
const key = createSecretKey(Buffer.from(secret, 'utf8'));

const SELECT =
  'SELECT user_id, email, display_name, bio, avatar_url, timezone, locale, role, status, email_verified, created_at, updated_at, deleted_at FROM users.profiles WHERE user_id = $1';

type Row = Record<string, any>;
if (!env.FLOOR_DATABASE_URL) throw new Error('FLOOR_DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: env.FLOOR_DATABASE_URL, max: Number(env.FLOOR_POOL_SIZE ?? 10) });
pool.on('error', () => {});
const query = async (id: string): Promise<Row | undefined> => (await pool.query(SELECT, [id])).rows[0];
const close = () => pool.end();

const nullableString = { type: ['string', 'null'] };
const UserView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    emailVerified: { type: 'boolean' },
    role: { type: 'string' },
    status: { type: 'string' },
    profile: {
      type: 'object',
      properties: { displayName: { type: 'string' }, bio: nullableString, avatarUrl: nullableString, timezone: { type: 'string' }, locale: { type: 'string' } },
    },
    createdAt: { type: 'string' },
  },
};

const Problem = { type: 'object', properties: { error: { type: 'string' } } };

/** The minimal sound HS256 check: pinned alg, constant-time MAC, iss/aud/exp and the claims Trellis requires. */
function verifyToken(token: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts;
  const mac = createHmac('sha256', key).update(`${h}.${p}`).digest();
  const sig = Buffer.from(s, 'base64url');
  if (sig.length !== mac.length || !timingSafeEqual(mac, sig)) return null;
  const head = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  if (head.alg !== 'HS256') return null;
  const c = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  if (c.iss !== issuer || c.aud !== audience || typeof c.exp !== 'number' || c.exp <= Date.now() / 1000) return null;
  if (typeof c.iat !== 'number' || typeof c.sub !== 'string' || typeof c.sid !== 'string') return null;
  return c.sub;
}

const app = Fastify({ logger: false });

app.get('/api/v1/users/me', { schema: { response: { 200: UserView, '4xx': Problem } } }, async (req, reply) => {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
  if (!token) return reply.status(401).send({ error: 'unauthenticated' });
  let sub: string | null;
  try {
    sub = verifyToken(token);
  } catch {
    sub = null;
  }
  if (!sub) return reply.status(401).send({ error: 'unauthenticated' });
  const row = await query(sub);
  if (!row) return reply.status(404).send({ error: 'not found' });
  return {
    id: row.user_id,
    email: row.email,
    emailVerified: row.email_verified,
    role: row.role,
    status: row.status,
    profile: { displayName: row.display_name, bio: row.bio, avatarUrl: row.avatar_url, timezone: row.timezone, locale: row.locale },
    createdAt: new Date(row.created_at).toISOString(),
  };
});

await app.listen({ port: Number(env.PORT ?? 0), host: env.HOST ?? '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ msg: 'floor ready', port: typeof address === 'object' && address ? address.port : 0 })}\n`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await app.close();
  await close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
