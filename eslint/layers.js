// The direction of imports, enforced by lint. Lower layers never import higher ones:
//
//   shared (zod only; main and renderer both use it)
//   -> foundation: errors, log, fs, paths, clouds, profile, secrets, catalog, and the dataset
//      registry (datasets: what each Graph dataset is, needs and writes) with the permission
//      matrix derived from it
//   -> net -> auth, certs -> graph
//   -> store, sync, export, consent, recon, demo, demo-tenant
//   -> services (the one API over the core)
//   -> front ends: cli, electron, preload, web (and the renderer, through the contract only)
//
// Besides the direction:
// - the CLI imports only the contract (shared) and the services' index, never core internals;
// - no production module imports the demo tenant (core/demo-tenant): only core/demo (the demo's
//   wiring, loaded on demand), the demo tenant itself and its standalone runner (cli/demo-tenant.ts);
// - src-main/shared imports nothing but zod.
import { dirname, relative, resolve, sep } from 'node:path';

const CORE_LAYERS = [
  ['errors', 'log', 'fs', 'paths.ts', 'clouds', 'profile', 'secrets', 'catalog', 'datasets', 'permissions'],
  ['net'],
  ['auth', 'certs'],
  ['graph'],
  ['store', 'sync', 'export', 'consent', 'recon', 'demo', 'demo-tenant'],
  ['services'],
];

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** Where a path sits: {area: 'shared'|'core'|'cli'|..., part: first folder under core} or undefined outside src-main. */
function place(file) {
  const rel = relative(resolve(root, 'src-main'), file).split(sep);
  if (rel[0] === '..' || rel.length < 2) return undefined;
  return { area: rel[0], part: rel[0] === 'core' ? rel[1] : undefined, rel: rel.join('/') };
}

function coreLayer(part) {
  const i = CORE_LAYERS.findIndex((names) => names.includes(part));
  return i < 0 ? undefined : i;
}

function isDemoTenant(p) {
  return p.area === 'core' && p.part === 'demo-tenant';
}

/** Why `from` may not import `to`, or undefined when it may. */
export function forbidden(from, to, specifier) {
  if (from.area === 'shared') {
    if (to === undefined && specifier !== 'zod') return `src-main/shared imports only zod (found "${specifier}")`;
    if (to !== undefined && to.area !== 'shared') return 'src-main/shared imports only zod and itself';
    return undefined;
  }
  if (to === undefined) return undefined;
  const demoSide = (from.area === 'core' && (from.part === 'demo' || from.part === 'demo-tenant')) || from.rel === 'cli/demo-tenant.ts';
  if (isDemoTenant(to) && !demoSide) return 'production code never imports the demo tenant (core/demo-tenant); the demo is wired in core/demo';
  if (from.area === 'cli' && from.rel !== 'cli/demo-tenant.ts' && to.area === 'core' && to.part !== 'services') {
    return `the CLI is a thin front end: it imports the services (core/services) and the contract (shared), never core/${to.part}`;
  }
  if (from.area === 'core' && to.area !== 'core' && to.area !== 'shared') return `src-main/core never imports src-main/${to.area}`;
  if (from.area === 'core' && to.area === 'core') {
    const a = coreLayer(from.part);
    const b = coreLayer(to.part);
    if (a !== undefined && b !== undefined && b > a) return `core/${from.part} sits below core/${to.part}: imports go net -> auth -> graph -> store/sync -> services, never back`;
  }
  return undefined;
}

const rule = {
  meta: { type: 'problem', docs: { description: 'imports follow the layering of src-main' }, schema: [] },
  create(context) {
    const file = context.filename ?? context.getFilename();
    const from = place(resolve(file));
    if (!from) return {};
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const to = specifier.startsWith('.') ? place(resolve(dirname(resolve(file)), specifier)) : undefined;
      const why = forbidden(from, to, specifier);
      if (why) context.report({ node, message: why });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { direction: rule } };
