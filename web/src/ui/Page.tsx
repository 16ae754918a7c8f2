// A page's title (the document's and its heading) and body.
import { type ReactNode, useEffect } from 'react';

export function Page({ title, children, narrow }: { title: string; children: ReactNode; narrow?: boolean }) {
  useEffect(() => {
    document.title = `${title} · Trellis`;
  }, [title]);
  return (
    <section className={narrow ? 'page narrow' : 'page'} aria-labelledby="page-title">
      <h1 id="page-title">{title}</h1>
      {children}
    </section>
  );
}

/** A short confirmation, announced politely. */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}
