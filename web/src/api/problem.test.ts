// From a problem+json document to what a person reads: the field names of the form, one
// message per field, a sentence for the action.
import { describe, expect, it } from 'vitest';
import { call, fieldMessages, fieldName, type Problem, ProblemError, problemMessage, toProblem } from './problem';

const problem = (over: Partial<Problem> = {}): Problem => ({ status: 400, code: 'VALIDATION_FAILED', title: 'Bad Request', detail: 'The request is not valid', requestId: 'r', ...over });

describe('problems for a person', () => {
  it('names fields as the form does, from the validator names and JSON pointers', () => {
    expect(fieldName('body.password')).toBe('password');
    expect(fieldName('query.from')).toBe('from');
    expect(fieldName('/entries/0/start')).toBe('entries.0.start');
    expect(fieldName('body/types/new_sign_in')).toBe('types.new_sign_in');
  });

  it('joins two messages of one field, and has none without errors', () => {
    const p = problem({ errors: [{ field: 'body.email', message: 'is required' }, { field: 'body.email', message: 'must be an email' }, { field: 'body.name', message: 'is too long' }] });
    expect(fieldMessages(p)).toEqual({ email: 'is required; must be an email', name: 'is too long' });
    expect(fieldMessages(problem())).toEqual({});
    expect(fieldMessages(null)).toEqual({});
  });

  it('says a known code in a sentence and falls back to the detail', () => {
    expect(problemMessage(problem({ code: 'AUTH.INVALID_CREDENTIALS' }))).toBe('The email or the password is wrong.');
    expect(problemMessage(problem({ code: 'SOMETHING.ELSE', detail: 'What the API said' }))).toBe('What the API said');
  });

  it('turns a non-problem answer and a network failure into problems', () => {
    expect(toProblem(undefined, new Response('', { status: 502, statusText: 'Bad Gateway' }))).toMatchObject({ status: 502, code: 'HTTP_502' });
    expect(toProblem(new TypeError('Failed to fetch'))).toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('call() returns the data or throws the problem', async () => {
    const ok = { data: { id: 1 }, response: new Response(null, { status: 200 }) };
    expect(await call(Promise.resolve(ok))).toEqual({ id: 1 });
    const refused = { error: problem({ code: 'CONFLICT', status: 409 }), response: new Response(null, { status: 409 }) };
    const thrown = await call(Promise.resolve(refused)).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ProblemError);
    expect((thrown as ProblemError).problem.code).toBe('CONFLICT');
    expect(((await call(Promise.reject(new TypeError('offline'))).catch((e: unknown) => e)) as ProblemError).problem.code).toBe('NETWORK');
  });
});
