import type { z } from 'zod';

/**
 * A fast acceptance test derived from a dataset's zod item schema, for the hot path of a sync
 * (a million users are a million items): `accepts(value)` is true only for a value the schema
 * accepts as it is, one whose parsed copy would hold the same data. Such a value is used
 * directly, sparing zod's copy of every item; any other value is handed to zod, which decides
 * and words the error as before. So zod stays the one description of an item and the one source
 * of its errors, and a wrong answer here can only send a valid item the slow way, never let an
 * invalid one through: `accepts` is built only from the schema kinds and checks it models
 * exactly (zod's own rules, node_modules/zod/v4/core/schemas.js), and a schema using anything
 * else (a transform, a default, a refinement, a loose or strict object, a format check) gets none.
 */
export type Accepts = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: readonly { _zod: { def: CheckDef } }[];
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
}

interface Internals {
  def: Def;
  optin?: string;
  optout?: string;
}

const internals = (s: z.ZodType): Internals => (s as unknown as { _zod: Internals })._zod;
const defOf = (s: z.ZodType): Def => internals(s).def;

/** Each check as a predicate on an already type-checked value; undefined when one is not modelled. */
function checks(def: Def, kind: 'string' | 'number'): ((v: never) => boolean)[] | undefined {
  const out: ((v: never) => boolean)[] = [];
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (kind === 'string' && d.check === 'min_length' && typeof d.minimum === 'number') {
      const min = d.minimum;
      out.push((v: string) => v.length >= min);
    } else if (kind === 'string' && d.check === 'max_length' && typeof d.maximum === 'number') {
      const max = d.maximum;
      out.push((v: string) => v.length <= max);
    } else if (kind === 'number' && d.check === 'number_format' && d.format === 'safeint') {
      out.push((v: number) => Number.isSafeInteger(v));
    } else if (kind === 'number' && d.check === 'greater_than' && typeof d.value === 'number') {
      const { value, inclusive } = d;
      out.push(inclusive ? (v: number) => v >= value : (v: number) => v > value);
    } else if (kind === 'number' && d.check === 'less_than' && typeof d.value === 'number') {
      const { value, inclusive } = d;
      out.push(inclusive ? (v: number) => v <= value : (v: number) => v < value);
    } else {
      return undefined;
    }
  }
  return out;
}

function all<T>(typeOk: (v: unknown) => v is T, preds: ((v: never) => boolean)[]): Accepts {
  if (preds.length === 0) return typeOk;
  const [a, b] = preds as [(v: T) => boolean, ((v: T) => boolean) | undefined];
  if (preds.length === 1) return (v) => typeOk(v) && a(v);
  if (preds.length === 2 && b) return (v) => typeOk(v) && a(v) && b(v);
  return (v) => typeOk(v) && (preds as ((v: T) => boolean)[]).every((p) => p(v));
}

const isString = (v: unknown): v is string => typeof v === 'string';
// zod's number refuses NaN and the infinities.
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** The acceptance test of `schema`, or undefined when the schema uses anything not modelled here. */
export function acceptsOf(schema: z.ZodType): Accepts | undefined {
  const def = defOf(schema);
  const noChecks = (def.checks ?? []).length === 0;
  switch (def.type) {
    case 'unknown':
    case 'any':
      return noChecks ? () => true : undefined;
    case 'string': {
      const c = checks(def, 'string');
      return c && all(isString, c);
    }
    case 'number': {
      const c = checks(def, 'number');
      return c && all(isNumber, c);
    }
    case 'boolean':
      return noChecks ? isBoolean : undefined;
    case 'optional':
    case 'nullable': {
      // Nested wrappers (nullish is optional(nullable(x))) make one test: undefined and/or null, else x.
      let undef = false;
      let nul = false;
      let core: z.ZodType | undefined = schema;
      for (let d = def; d.type === 'optional' || d.type === 'nullable'; d = defOf(core)) {
        if ((d.checks ?? []).length > 0 || !d.innerType) return undefined;
        if (d.type === 'optional') undef = true;
        else nul = true;
        core = d.innerType;
      }
      const inner = acceptsOf(core);
      if (!inner) return undefined;
      const cd = defOf(core);
      // The common leaves inline, so a nullable text field costs one call, not three.
      if (cd.type === 'string' && (cd.checks ?? []).length === 0) {
        if (undef && nul) return (v) => v === undefined || v === null || typeof v === 'string';
        return undef ? (v) => v === undefined || typeof v === 'string' : (v) => v === null || typeof v === 'string';
      }
      if (cd.type === 'boolean' && (cd.checks ?? []).length === 0) {
        if (undef && nul) return (v) => v === undefined || v === null || typeof v === 'boolean';
        return undef ? (v) => v === undefined || typeof v === 'boolean' : (v) => v === null || typeof v === 'boolean';
      }
      if (undef && nul) return (v) => v === undefined || v === null || inner(v);
      return undef ? (v) => v === undefined || inner(v) : (v) => v === null || inner(v);
    }
    case 'array': {
      const el = noChecks && def.element ? acceptsOf(def.element) : undefined;
      if (!el) return undefined;
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!el(v[i])) return false;
        return true;
      };
    }
    case 'object': {
      // A plain object: its copy holds the known fields, which are all a mapping reads. A loose
      // one is not modelled (its copy reorders the keys, and a mapping may keep them all), nor a
      // strict one or another catchall.
      if (!noChecks || !def.shape || def.catchall !== undefined) return undefined;
      const keys: string[] = [];
      const tests: Accepts[] = [];
      for (const [key, field] of Object.entries(def.shape)) {
        // zod skips a "__proto__" key; not modelled.
        if (key === '__proto__') return undefined;
        const t = acceptsOf(field);
        if (!t) return undefined;
        keys.push(key);
        // zod reads each field as value[key] (an absent field reads undefined), and refuses an
        // absent field unless it is optional both ways (z.unknown() is not): such a field must be there.
        const { optin, optout } = internals(field);
        tests.push(optin === 'optional' && optout === 'optional' ? t : (v) => v !== undefined && t(v));
      }
      const n = keys.length;
      return (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const o = v as Record<string, unknown>;
        for (let i = 0; i < n; i++) if (!(tests[i] as Accepts)(o[keys[i] as string])) return false;
        return true;
      };
    }
    default:
      return undefined;
  }
}
