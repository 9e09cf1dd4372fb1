import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { refreshRefused } from '../../../src-main/core/auth/delegated-token';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { AADSTS_TABLE, fromAadFailure, fromGraphError, fromMsalError, type GraphErrorContext, type SignInContext } from '../../../src-main/core/errors/translate';
import type { Profile } from '../../../src-main/core/profile/schema';
import { safeStoragePolicy } from '../../../src-main/core/secrets/safe-storage-policy';
import { REMEDY_ACTIONS } from '../../../src-main/shared/errors';
import { remedyCommand } from '../../../src-main/cli/remedy';

/**
 * The rule: no message or hint in src-main/core names a CLI command or flag. The core serves
 * the CLI and the desktop alike; what to do is worded for any front end, and the command
 * (or the button) comes from the structured remedy.
 */

/** The CLI's commands, as a hint would quote them. */
const COMMAND = String.raw`(?:m365-reconciler\s+)?(?:login|logout|sync|verify|export|snapshots|demo|(?:profile|cert|consent)\s+[a-z][a-z-]*)`;
/** The same, quoted on its own; "demo" alone is the demo profile's name, not the command. */
const COMMAND_ALONE = String.raw`(?:m365-reconciler\s+)?(?:login|logout|sync|verify|export|snapshots|(?:profile|cert|consent)\s+[a-z][a-z-]*)`;
const RULES: ReadonlyArray<[string, RegExp]> = [
  // A flag: two dashes and a lower-case word, at a word start (PEM armour "-----BEGIN" is not one).
  ['a CLI flag', /(?:^|[\s("'`[])--[a-z][a-z0-9-]*/],
  // A quoted command with a flag or placeholder after it: "login --profile x", `cert create <...>`.
  ['a quoted CLI command with arguments', new RegExp(String.raw`["'\`]${COMMAND}\s+(?:--|<)`)],
  // A quoted command on its own: "logout", "consent url", `verify`.
  ['a quoted CLI command', new RegExp(String.raw`["'\`]${COMMAND_ALONE}["'\`]`)],
  ['the CLI by name', /\bm365-reconciler\b/],
];

/** The rules a text breaks (empty when it is fine). */
function cliMentions(text: string): string[] {
  return RULES.filter(([, re]) => re.test(text)).map(([name]) => name);
}

describe('the rule itself', () => {
  it.each<[string, boolean]>([
    ['Run "login --profile contoso" again.', true],
    ['run `login --profile x`', true],
    ['Run again with --verbose and report the log file.', true],
    ['or pass --export-key <path> to write it to a file', true],
    ['Leave out --certificate.', true],
    ['Grant admin consent: run "consent url --profile <name>" and send the URL', true],
    ['or run "logout" and "login" again', true],
    ['Create one with "cert create" (RSA 2048 by default).', true],
    ['Remove them (run "verify" for who can and how).', true],
    ['Next: m365-reconciler verify', true],
    ['Sign in again for this profile and complete the MFA prompt.', false],
    ['Grant admin consent: send the admin-consent link of this profile to a Privileged Role Administrator.', false],
    ['Point certificatePath at the public certificate in PEM form ("-----BEGIN CERTIFICATE-----").', false],
    ['Set M365LR_SECRETS_PASSPHRASE to the passphrase of the encrypted store.', false],
    ['Delegated sign-in needs a profile whose credential kind is "delegated".', false],
    ['The "demo" profile is the built-in demo tenant.', false],
    ['Wait a few minutes and sync again; avoid running several syncs at once.', false],
    ['App-only tokens need the "<graph URL>/.default" scope.', false],
    ['Check HTTPS_PROXY / NO_PROXY and that the proxy allows CONNECT to this host.', false],
  ])('%s -> flagged: %s', (text, bad) => {
    expect(cliMentions(text).length > 0).toBe(bad);
  });
});

// ---------------------------------------------------------------------------
// The error tables, iterated.

const profile: Profile = {
  name: 'contoso',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: '11111111-2222-4333-8444-555555555555',
  cloud: 'global',
  credential: { kind: 'delegated', flow: 'interactive' },
};
const contexts: SignInContext[] = [{}, { kind: 'app', profile: 'contoso' }, { kind: 'delegated', profile: 'contoso' }];

function texts(e: OperatorError): string[] {
  return [e.message, e.hint, e.who ?? ''];
}

describe('the error tables name no CLI command or flag', () => {
  const entries = Object.entries(AADSTS_TABLE);

  it.each(entries)('AADSTS%s: every wording, as written and as produced', (code, entry) => {
    const written = [entry.message, entry.hint, entry.who, entry.app?.hint, entry.app?.who, entry.delegated?.hint, entry.delegated?.who];
    for (const t of written) expect(cliMentions(t ?? ''), t).toEqual([]);
    for (const ctx of contexts) {
      const e = fromAadFailure({ aadsts: Number(code) }, ctx);
      for (const t of texts(e)) expect(cliMentions(t), t).toEqual([]);
      if (e.remedy) expect(REMEDY_ACTIONS).toContain(e.remedy.action);
    }
    const refused = refreshRefused(profile, { errorCode: 'invalid_grant', errorMessage: `AADSTS${code}: refused` });
    for (const t of texts(refused)) expect(cliMentions(t), t).toEqual([]);
    expect(refused.remedy).toBeDefined();
  });

  const graphContexts: GraphErrorContext[] = [
    {},
    { permission: 'Reports.Read.All', dataset: 'Reports', afterRetries: 5 },
    ...contexts.map((signIn) => ({ signIn })),
    ...contexts.map((signIn) => ({ signIn, permission: 'Reports.Read.All' })),
    { signIn: { kind: 'delegated', profile: 'contoso' }, permission: 'Reports.Read.All', delegatedRoles: ['Reports Reader', 'Global Reader'], scopeGranted: true },
    { signIn: { kind: 'delegated', profile: 'contoso' }, permission: 'AuditLog.Read.All', delegatedRoles: ['Reports Reader'], scopeGranted: false },
    { signIn: { kind: 'delegated', profile: 'contoso' }, delegatedRoles: ['Reports Reader'] },
  ];
  const graphBodies: Array<[number, string]> = [
    [400, 'BadRequest'],
    [401, 'InvalidAuthenticationToken'],
    [403, 'Authorization_RequestDenied'],
    [403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant'],
    [404, 'ResourceNotFound'],
    [429, 'TooManyRequests'],
    [500, 'generalException'],
    [503, 'serviceNotAvailable'],
  ];
  it.each(graphBodies)('Graph %d %s in every context', (status, code) => {
    for (const message of ['Something failed.', 'Lifetime validation failed, the token is expired.']) {
      for (const ctx of graphContexts) {
        const e = fromGraphError(status, JSON.stringify({ error: { code, message } }), ctx);
        for (const t of texts(e)) expect(cliMentions(t), `${status} ${JSON.stringify(ctx)}: ${t}`).toEqual([]);
      }
    }
  });

  it.each(['network_error', 'invalid_authority', 'invalid_client', 'something_else'])('MSAL %s', (errorCode) => {
    for (const ctx of contexts) {
      const e = fromMsalError(Object.assign(new Error(errorCode), { errorCode, errorMessage: 'no code here' }), ctx);
      for (const t of texts(e)) expect(cliMentions(t), t).toEqual([]);
    }
  });

  it('the keyring policy hints', () => {
    for (const linuxBackend of ['basic_text', 'gnome_libsecret', 'kwallet', 'unknown', 'odd']) {
      for (const platform of ['linux', 'win32', 'darwin']) {
        for (const encryptionAvailable of [true, false]) {
          const all = JSON.stringify(safeStoragePolicy({ platform, encryptionAvailable, linuxBackend }));
          expect(cliMentions(all), all).toEqual([]);
        }
      }
    }
  });

  it('every remedy action has a CLI rendering or is worded in the hint alone', () => {
    for (const action of REMEDY_ACTIONS) {
      const command = remedyCommand({ action, profile: 'contoso' });
      if (command !== undefined) expect(command).toMatch(/^m365-reconciler [a-z]/);
    }
    expect(remedyCommand({ action: 'sign-in', profile: 'contoso' })).toBe('m365-reconciler login --profile contoso');
  });
});

// ---------------------------------------------------------------------------
// The source scan: every hint and OperatorError message written in src-main/core.

interface Finding {
  where: string;
  text: string;
  rules: string[];
}

/** The static text of a string or template literal; expressions become "<x>". */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => `<x>${s.literal.text}`).join('');
  return undefined;
}

/** Every literal inside an expression (both arms of a conditional, the parts of a concatenation, nested templates). */
function literalsIn(node: ts.Node): string[] {
  const own = literalText(node);
  const out = own === undefined ? [] : [own];
  node.forEachChild((c) => {
    out.push(...literalsIn(c));
  });
  return out;
}

const HINT_NAME = /hint/i;

/**
 * The texts a source file writes for an operator: `hint:` properties, constants named like a
 * hint, and the message of every `new OperatorError(code, message, …)`.
 */
function operatorTexts(fileName: string, source: string): Array<{ where: string; text: string }> {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: Array<{ where: string; text: string }> = [];
  const add = (node: ts.Node, what: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    for (const text of literalsIn(node)) found.push({ where: `${fileName}:${line} (${what})`, text });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && HINT_NAME.test(node.name.getText(sf))) add(node.initializer, 'hint');
    else if (ts.isShorthandPropertyAssignment(node)) {
      // `{ hint }`: the variable's initialiser is checked where it is declared.
    } else if (ts.isVariableDeclaration(node) && node.initializer && HINT_NAME.test(node.name.getText(sf))) add(node.initializer, 'hint constant');
    else if (ts.isNewExpression(node) && node.expression.getText(sf) === 'OperatorError') {
      const message = node.arguments?.[1];
      if (message) add(message, 'message');
    } else if (ts.isCallExpression(node) && /Error$/.test(node.expression.getText(sf)) && !/^(new )?OperatorError$/.test(node.expression.getText(sf))) {
      // Helpers such as storeError(message, hint) pass their texts straight to an OperatorError.
      for (const a of node.arguments) if (ts.isStringLiteral(a) || ts.isTemplateExpression(a) || ts.isNoSubstitutionTemplateLiteral(a)) add(a, 'error helper');
    }
    node.forEachChild(visit);
  };
  visit(sf);
  return found;
}

function scan(fileName: string, source: string): Finding[] {
  return operatorTexts(fileName, source)
    .map((t) => ({ ...t, rules: cliMentions(t.text) }))
    .filter((f) => f.rules.length > 0);
}

const CORE = join(__dirname, '..', '..', '..', 'src-main', 'core');

function coreSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = join(dir, d.name);
    if (d.isDirectory()) return coreSources(full);
    return d.name.endsWith('.ts') ? [full] : [];
  });
}

describe('source scan of src-main/core', () => {
  it.each<[string, string, number]>([
    // label, planted source, findings
    ['a hint naming a command', `throw new OperatorError('auth-failed', 'Refused.', { hint: 'Run "login --profile x" again.' });`, 1],
    ['a hint template naming a command', 'const e = new OperatorError("auth-failed", "Refused.", { hint: `Run "login --profile ${name}" again.` });', 1],
    ['a hint naming a flag', `const e = new OperatorError('internal', 'Boom.', { hint: 'Run again with --verbose.' });`, 1],
    ['a flag in one arm of a conditional', `const x = { hint: ok ? 'Fine.' : 'Pass --replace to switch.' };`, 1],
    ['a message naming a command', `throw new OperatorError('consent-missing', 'No consent: run "consent url" first.', { hint: 'Grant admin consent.' });`, 1],
    ['a hint constant', `const KEY_HINT = 'Create one with "cert create".';`, 1],
    ['an error helper', `throw storeError('Locked.', 'Run "logout" first.');`, 1],
    ['a clean hint', `throw new OperatorError('auth-failed', 'Refused.', { hint: 'Sign in again for this profile.', remedy: remedyFor('sign-in', name) });`, 0],
    ['PEM armour and env names', `const e = new OperatorError('bad-input', 'Bad PEM.', { hint: 'Give "-----BEGIN CERTIFICATE-----"; set M365LR_SECRETS_PASSPHRASE.' });`, 0],
    ['a flag outside any hint (a generated script)', `const script = 'az login --tenant "$TENANT_ID" --allow-no-subscriptions';`, 0],
  ])('%s', (_label, source, count) => {
    expect(scan('planted.ts', source)).toHaveLength(count);
  });

  const files = coreSources(CORE).filter((f) => !relative(CORE, f).split(sep).includes('demo-tenant'));

  it('finds the core sources and their hints', () => {
    expect(files.length).toBeGreaterThan(50);
    const hints = files.flatMap((f) => operatorTexts(f, readFileSync(f, 'utf8')));
    expect(hints.length).toBeGreaterThan(150);
  });

  it('no hint or OperatorError message in src-main/core names a CLI command or flag (the demo tenant aside)', () => {
    const findings = files.flatMap((f) => scan(relative(CORE, f), readFileSync(f, 'utf8')));
    expect(findings).toEqual([]);
  });
});
