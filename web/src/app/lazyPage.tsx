// A route's page, loaded with its area's chunk when the route is first visited:
// `lazy: lazyPage(() => import('./pages'), 'SignIn', { signedIn: true })`.
import type { ComponentType } from 'react';
import type { RouteObject } from 'react-router';
import { RequireSession } from './RequireSession';

export function lazyPage<M extends Record<string, unknown>>(load: () => Promise<M>, name: keyof M & string, opts: { signedIn?: boolean } = {}): RouteObject['lazy'] {
  return async () => {
    const Page = (await load())[name] as ComponentType;
    if (!opts.signedIn) return { Component: Page };
    return {
      Component: () => (
        <RequireSession>
          <Page />
        </RequireSession>
      ),
    };
  };
}
