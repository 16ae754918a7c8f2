// A form and the problem the API answers: the field's message under the field (announced with
// it, marked invalid), the action's message above the button.
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignUp } from './SignUp';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function answer(status: number, body: unknown, type: string) {
  const calls: Request[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(input instanceof Request ? input : new Request(input, init));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
  });
  return calls;
}

async function fillAndSubmit() {
  const user = userEvent.setup();
  render(
    <MemoryRouter>
      <SignUp />
    </MemoryRouter>,
  );
  await user.type(screen.getByLabelText('Name'), 'Ada');
  await user.type(screen.getByLabelText('Email'), 'ada@example.test');
  await user.type(screen.getByLabelText('Password', { exact: false }), 'password');
  await user.click(screen.getByRole('button', { name: 'Create the account' }));
}

describe('a form showing a problem', () => {
  it('puts the field message under its field and the sentence for the action above the button', async () => {
    const calls = answer(
      400,
      { type: 'https://trellis.dev/problems/auth-weak-password', title: 'Bad Request', status: 400, code: 'AUTH.WEAK_PASSWORD', detail: 'The password is too common', requestId: 'req-1', errors: [{ field: 'body.password', message: 'is too common' }] },
      'application/problem+json',
    );
    await fillAndSubmit();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Choose a stronger password.');
    expect(alert.textContent).toContain('req-1');
    const password = screen.getByLabelText('Password', { exact: false });
    expect(password.getAttribute('aria-invalid')).toBe('true');
    const described = (password.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toContain('is too common');
    // The other fields are not marked.
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBeNull();
    expect(calls).toHaveLength(1);
    expect(await calls[0].json()).toEqual({ displayName: 'Ada', email: 'ada@example.test', password: 'password' });
  });

  it('shows the API detail for a code it has no sentence for', async () => {
    answer(409, { type: 'https://trellis.dev/problems/x', title: 'Conflict', status: 409, code: 'SOMETHING.NEW', detail: 'Something new went wrong', requestId: 'req-2' }, 'application/problem+json');
    await fillAndSubmit();
    expect((await screen.findByRole('alert')).textContent).toContain('Something new went wrong');
  });

  it('shows a network failure as a problem too', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await fillAndSubmit();
    expect((await screen.findByRole('alert')).textContent).toContain('The server could not be reached');
  });

  it('says the mail is on its way when the account is created', async () => {
    answer(201, { user: { id: 'x' } }, 'application/json');
    await fillAndSubmit();
    expect((await screen.findByRole('status')).textContent).toContain('ada@example.test');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Check your mail');
  });
});
