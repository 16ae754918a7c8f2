// Deleting asks first: the first button shows what deleting does and a second, named button;
// "Keep it" goes back without deleting; the refusal of the API is shown under it.
import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfirmDelete } from './ConfirmDelete';

afterEach(cleanup);

const props = { ask: 'Delete this source…', warning: 'Delete Shop? Saved questions on it stop working.', confirm: 'Delete Shop', pending: false, problem: null };

describe('ConfirmDelete', () => {
  it('asks, then deletes with the named button; Keep it deletes nothing', async () => {
    const onDelete = vi.fn();
    render(<ConfirmDelete {...props} onDelete={onDelete} />);
    expect(screen.queryByText(props.warning)).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Delete this source…' }));
    expect(screen.getByText(props.warning)).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(onDelete).not.toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Delete Shop' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Delete this source…' }));
    await userEvent.click(screen.getByRole('button', { name: 'Delete Shop' }));
    expect(onDelete).toHaveBeenCalledTimes(1);
  });

  it('cannot delete twice while one is under way, and shows the refusal', async () => {
    const problem = { status: 409, code: 'DATA_SOURCES.IN_USE', title: 'Conflict', detail: 'Dashboards use it' };
    render(<ConfirmDelete {...props} pending problem={problem as never} onDelete={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Delete this source…' }));
    expect((screen.getByRole('button', { name: 'Delete Shop' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('alert').textContent).toBeTruthy();
  });
});
