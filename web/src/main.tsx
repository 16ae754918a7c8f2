import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { refreshSession } from './api/refresh';
import { router } from './app/router';
import { applyTheme, chosenTheme } from './ui/theme';
import './ui/styles.css';

applyTheme(chosenTheme());
// A reload lost the access token: the refresh cookie, if any, brings the session back.
void refreshSession();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
