// Light and dark themes: the system's preference unless the person chose one with the toggle
// (remembered in localStorage: a display preference, never a credential).
const KEY = 'trellis-theme';
export type Theme = 'light' | 'dark';

export function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function chosenTheme(): Theme | null {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : null;
}

export function applyTheme(theme: Theme | null) {
  if (theme) {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(KEY, theme);
  } else {
    delete document.documentElement.dataset.theme;
  }
}

export const currentTheme = (): Theme => chosenTheme() ?? systemTheme();
