/**
 * The `$filter`s Microsoft Graph documents for a user's signInActivity, and nothing more.
 *
 * "user resource type" and "List users" (learn.microsoft.com/graph/api/resources/user,
 * learn.microsoft.com/graph/api/user-list): signInActivity "Supports `$filter` (`eq`, `ne`,
 * `not`, `ge`, `le`) but not with any other filterable properties", on its date properties
 * lastSignInDateTime, lastNonInteractiveSignInDateTime and lastSuccessfulSignInDateTime
 * ("signInActivity resource type", learn.microsoft.com/graph/api/resources/signinactivity).
 *
 * Accepted: clauses `signInActivity/<date property> (eq|ne|ge|le) <DateTimeOffset>`, `not(...)`,
 * parentheses, and clauses joined by `and` (a date range is `ge A and le B`). Refused with
 * Graph's 400 Request_UnsupportedQuery: any other property in the same filter, other
 * operators (gt, lt, in, startsWith, ...), `or`, and `null` literals.
 *
 * Comparison follows OData: a user without a value (never signed in) matches no eq/ge/le
 * clause, matches `ne`, and `not(...)` negates.
 */

export const SIGN_IN_DATE_PROPERTIES = ['lastSignInDateTime', 'lastNonInteractiveSignInDateTime', 'lastSuccessfulSignInDateTime'] as const;
export type SignInDateProperty = (typeof SIGN_IN_DATE_PROPERTIES)[number];

export type SignInFilter =
  | { kind: 'cmp'; property: SignInDateProperty; op: 'eq' | 'ne' | 'ge' | 'le'; ms: number }
  | { kind: 'not'; inner: SignInFilter }
  | { kind: 'and'; left: SignInFilter; right: SignInFilter };

export type SignInFilterParse =
  | { ok: true; filter: SignInFilter }
  /** The filter names signInActivity but is not one Graph supports: answer 400. */
  | { ok: false; message: string }
  /** The filter does not name signInActivity at all. */
  | { ok: 'other' };

const UNSUPPORTED = "Unsupported or invalid query filter clause specified for property 'signInActivity' of resource 'User'.";

/** An OData DateTimeOffset literal: 2024-01-31T12:00:00Z, with optional fraction and offset. */
const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

type Token = { t: 'lp' } | { t: 'rp' } | { t: 'word'; v: string };

function tokenize(s: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(') {
      out.push({ t: 'lp' });
      i++;
      continue;
    }
    if (c === ')') {
      out.push({ t: 'rp' });
      i++;
      continue;
    }
    if (c === "'") {
      // A quoted string: never a valid operand here, but tokenized so it is reported as unsupported.
      const end = s.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out.push({ t: 'word', v: s.slice(i, end + 1) });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < s.length && !/[\s()]/.test(s[j]!)) j++;
    out.push({ t: 'word', v: s.slice(i, j) });
    i = j;
  }
  return out;
}

class Unsupported extends Error {}

/** Parses a /users $filter. Never throws. */
export function parseSignInFilter(raw: string): SignInFilterParse {
  if (!/signinactivity/i.test(raw)) return { ok: 'other' };
  if (raw.length > 1024) return { ok: false, message: UNSUPPORTED };
  const lexed = tokenize(raw);
  if (!lexed) return { ok: false, message: UNSUPPORTED };
  const tokens: Token[] = lexed;
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const word = (tok: Token | undefined): string | undefined => (tok?.t === 'word' ? tok.v : undefined);

  function expr(): SignInFilter {
    let left = unary();
    while (word(peek())?.toLowerCase() === 'and') {
      pos++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  }

  function unary(): SignInFilter {
    const tok = peek();
    if (word(tok)?.toLowerCase() === 'not') {
      pos++;
      if (peek()?.t !== 'lp') throw new Unsupported();
      pos++;
      const inner = expr();
      if (peek()?.t !== 'rp') throw new Unsupported();
      pos++;
      return { kind: 'not', inner };
    }
    if (tok?.t === 'lp') {
      pos++;
      const inner = expr();
      if (peek()?.t !== 'rp') throw new Unsupported();
      pos++;
      return inner;
    }
    return comparison();
  }

  function comparison(): SignInFilter {
    const prop = word(tokens[pos]);
    const op = word(tokens[pos + 1])?.toLowerCase();
    const value = word(tokens[pos + 2]);
    pos += 3;
    if (prop === undefined || op === undefined || value === undefined) throw new Unsupported();
    const m = /^signInActivity\/(\w+)$/i.exec(prop);
    const property = m ? SIGN_IN_DATE_PROPERTIES.find((p) => p.toLowerCase() === m[1]?.toLowerCase()) : undefined;
    if (!property) throw new Unsupported();
    if (op !== 'eq' && op !== 'ne' && op !== 'ge' && op !== 'le') throw new Unsupported();
    if (!DATE_RE.test(value)) throw new Unsupported();
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new Unsupported();
    return { kind: 'cmp', property, op, ms };
  }

  try {
    const filter = expr();
    if (pos !== tokens.length) throw new Unsupported();
    return { ok: true, filter };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, message: UNSUPPORTED };
    throw e;
  }
}

export type SignInDates = Readonly<Record<SignInDateProperty, string | null>>;

/** Whether a user's sign-in dates satisfy the filter (OData comparison with nulls). */
export function matchesSignInFilter(f: SignInFilter, dates: SignInDates): boolean {
  return matchesSignInMs(f, (p) => {
    const v = dates[p];
    return v === null ? Number.NaN : Date.parse(v);
  });
}

/**
 * The same comparison over each date as epoch ms, NaN standing for no value (null, or a value
 * Date.parse cannot read): what an index of the dates holds (graph/sign-in-index.ts).
 */
export function matchesSignInMs(f: SignInFilter, ms: (p: SignInDateProperty) => number): boolean {
  switch (f.kind) {
    case 'and':
      return matchesSignInMs(f.left, ms) && matchesSignInMs(f.right, ms);
    case 'not':
      return !matchesSignInMs(f.inner, ms);
    case 'cmp': {
      const v = ms(f.property);
      if (Number.isNaN(v)) return f.op === 'ne';
      switch (f.op) {
        case 'eq':
          return v === f.ms;
        case 'ne':
          return v !== f.ms;
        case 'ge':
          return v >= f.ms;
        case 'le':
          return v <= f.ms;
      }
    }
  }
}
