import { useState } from 'react';
import { applyTheme, currentTheme } from './theme';

export function ThemeToggle() {
  const [theme, setTheme] = useState(currentTheme);
  const dark = theme === 'dark';
  const toggle = () => {
    const next = dark ? 'light' : 'dark';
    applyTheme(next);
    setTheme(next);
  };
  return (
    <button type="button" onClick={toggle} aria-pressed={dark}>
      Dark theme
    </button>
  );
}
