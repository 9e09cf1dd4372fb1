import type { DemoData } from '../data';
import { matchesSignInMs, SIGN_IN_DATE_PROPERTIES, type SignInDateProperty, type SignInFilter } from './sign-in-filter';

/**
 * The demo tenant's index of every user's sign-in dates, so a `$filter` on signInActivity reads
 * numbers instead of generating each user it passes over (Graph answers such a filter from its
 * own index: without one, every page of every date partition would rebuild the whole directory).
 *
 * Three Float64Arrays (epoch ms, NaN for no value): 24 bytes a user. Built in slices on unref'd
 * timers from creation, so a tenant's start is not delayed; a request that needs the index
 * before it is complete finishes the build at once. Users are served in the same order and with
 * the same matches as a scan through `matchesSignInFilter` (test/unit/demo-tenant).
 */
export interface SignInIndex {
  /** Whether user `i` matches the filter. */
  matches(filter: SignInFilter, i: number): boolean;
  /** The first index >= `from` that matches, or userCount when none does. */
  nextMatch(filter: SignInFilter, from: number): number;
  /** Users matching the filter. */
  count(filter: SignInFilter): number;
}

const SLICE = 2048;

export function createSignInIndex(data: DemoData, o: { background?: boolean } = {}): SignInIndex {
  const n = data.userCount;
  const cols: Record<SignInDateProperty, Float64Array> = {
    lastSignInDateTime: new Float64Array(n),
    lastNonInteractiveSignInDateTime: new Float64Array(n),
    lastSuccessfulSignInDateTime: new Float64Array(n),
  };
  let built = 0;
  let timer: NodeJS.Timeout | undefined;

  const buildTo = (end: number): void => {
    for (; built < end; built++) {
      const a = data.user(built).signInActivity;
      for (const p of SIGN_IN_DATE_PROPERTIES) {
        const v = a[p];
        cols[p][built] = v === null ? Number.NaN : Date.parse(v);
      }
    }
  };
  const ready = (): void => {
    if (built < n) buildTo(n);
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const slice = (): void => {
    buildTo(Math.min(n, built + SLICE));
    timer = built < n ? setTimeout(slice, 0).unref() : undefined;
  };
  if (o.background !== false && n > 0) timer = setTimeout(slice, 0).unref();

  let at = 0;
  const read = (p: SignInDateProperty): number => cols[p][at] as number;
  const test = (f: SignInFilter, i: number): boolean => {
    at = i;
    return matchesSignInMs(f, read);
  };

  return {
    matches(filter, i) {
      ready();
      return test(filter, i);
    },
    nextMatch(filter, from) {
      ready();
      let i = from;
      while (i < n && !test(filter, i)) i++;
      return i;
    },
    count(filter) {
      ready();
      let c = 0;
      for (let i = 0; i < n; i++) if (test(filter, i)) c++;
      return c;
    },
  };
}
