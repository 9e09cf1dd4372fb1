import { webDarkTheme, webLightTheme, type Theme } from '@fluentui/tokens';

/**
 * Fluent 2 tokens as CSS custom properties (--colorNeutralBackground1, --spacingHorizontalM, ...),
 * light or dark as the OS says, switched live. Set through the CSSOM, which the strict CSP
 * allows (it refuses inline style attributes and style elements, not this).
 */
function apply(theme: Theme): void {
  const root = document.documentElement.style;
  for (const [k, v] of Object.entries(theme)) root.setProperty(`--${k}`, String(v));
}

export function followOsTheme(): () => void {
  const dark = matchMedia('(prefers-color-scheme: dark)');
  const set = (): void => {
    apply(dark.matches ? webDarkTheme : webLightTheme);
    document.documentElement.dataset['theme'] = dark.matches ? 'dark' : 'light';
  };
  set();
  dark.addEventListener('change', set);
  return () => dark.removeEventListener('change', set);
}
