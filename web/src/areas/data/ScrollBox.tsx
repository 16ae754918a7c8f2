// A wide table's own horizontal scroll container (the page itself never scrolls sideways, even
// at 390 px). It takes the keyboard's focus, so arrows can scroll it, and is named for it.
import type { ReactNode } from 'react';

export function ScrollBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll container is focusable so the keyboard can scroll it
    <section className="table-scroll" tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
