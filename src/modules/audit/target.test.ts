import { describe, expect, it } from 'vitest';
import { targetOf } from './target.ts';

const USER = '01900000-0000-7000-8000-000000000002';
const OTHER = '01900000-0000-7000-8000-000000000006';

describe('targetOf', () => {
  it('reads the declared field, under the declared type', () => {
    expect(targetOf({ type: 'api_key', field: 'apiKeyId' }, { userId: USER, apiKeyId: OTHER })).toEqual({ type: 'api_key', id: OTHER });
  });

  it('takes the first usable id of an array', () => {
    expect(targetOf({ type: 'session', field: 'sessionIds' }, { userId: USER, sessionIds: ['', OTHER, USER] })).toEqual({ type: 'session', id: OTHER });
  });

  it('is null without a declaration, a payload or a usable id', () => {
    expect(targetOf(null, { userId: USER })).toBeNull();
    expect(targetOf(undefined, { userId: USER })).toBeNull();
    expect(targetOf({ type: 'user', field: 'userId' }, { userId: null })).toBeNull();
    expect(targetOf({ type: 'user', field: 'userId' }, { userId: 'x'.repeat(201) })).toBeNull();
    expect(targetOf({ type: 'user', field: 'userId' }, [USER])).toBeNull();
    expect(targetOf({ type: 'user', field: 'userId' }, null)).toBeNull();
  });
});
