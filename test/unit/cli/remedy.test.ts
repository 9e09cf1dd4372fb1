import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../../src-main/cli/exit-codes';
import { formatError } from '../../../src-main/cli/output';
import { remedyCommand, remedyLines } from '../../../src-main/cli/remedy';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { toErrorDto } from '../../../src-main/core/services/dispatch';
import { ERROR_CODES, REMEDY_ACTIONS, errorDtoSchema, type Remedy } from '../../../src-main/shared/errors';

/** The CLI offers a remedy as the command that performs it (a screen offers the same remedy as a button). */
describe('remedyCommand', () => {
  it.each<[Remedy, string | undefined]>([
    [{ action: 'sign-in', profile: 'contoso' }, 'm365-reconciler login --profile contoso'],
    [{ action: 'grant-consent', profile: 'contoso' }, 'm365-reconciler consent url --profile contoso'],
    [{ action: 'add-permission', profile: 'contoso', permission: 'Reports.Read.All' }, 'm365-reconciler verify --profile contoso'],
    [{ action: 'assign-role', profile: 'contoso', role: 'Reports Reader' }, 'm365-reconciler verify --profile contoso'],
    [{ action: 'assign-role', role: 'Reports Reader' }, undefined],
    [{ action: 'upload-certificate', profile: 'contoso' }, 'm365-reconciler cert show --profile contoso'],
    [{ action: 'create-certificate', profile: 'contoso' }, 'm365-reconciler cert create --profile contoso'],
    [{ action: 'renew-certificate', profile: 'contoso' }, 'm365-reconciler cert create --profile contoso --replace'],
    [{ action: 'import-certificate', profile: 'contoso' }, 'm365-reconciler cert import --profile contoso'],
    [{ action: 'rollback-certificate', profile: 'contoso' }, 'm365-reconciler cert rollback --profile contoso'],
    [{ action: 'add-profile', profile: 'contoso' }, 'm365-reconciler profile add --name contoso --tenant <tenant> --client-id <client id> ...'],
    [{ action: 'run-sync', profile: 'contoso' }, 'm365-reconciler sync --profile contoso'],
    [{ action: 'list-snapshots', profile: 'contoso' }, 'm365-reconciler snapshots --profile contoso'],
    [{ action: 'verify', profile: 'contoso' }, 'm365-reconciler verify --profile contoso'],
    [{ action: 'sign-in' }, 'm365-reconciler login --profile <name>'],
    [{ action: 'retry-later' }, undefined],
    [{ action: 'check-network' }, undefined],
    [{ action: 'report-bug' }, undefined],
  ])('%j -> %s', (remedy, command) => {
    expect(remedyCommand(remedy)).toBe(command);
  });

  it.each(['x" && curl evil', 'demo\nrm -rf ~', '-rf', '', 'a'.repeat(65)])('never puts an invalid profile name (%j) on a command line', (profile) => {
    for (const action of REMEDY_ACTIONS) {
      const command = remedyCommand({ action, profile });
      if (command === undefined) continue;
      if (profile !== '') expect(command).not.toContain(profile);
      expect(command).not.toMatch(/[\n"&;]/);
    }
  });

  it('renders a link and the bug-report step', () => {
    expect(remedyLines({ action: 'grant-consent', profile: 'p', url: 'https://login.microsoftonline.com/x/adminconsent' })).toEqual([
      'run: m365-reconciler consent url --profile p',
      'open: https://login.microsoftonline.com/x/adminconsent',
    ]);
    expect(remedyLines({ action: 'report-bug' })).toEqual(['report: run the command again with --verbose and send the log file']);
    expect(remedyLines(undefined)).toEqual([]);
  });
});

describe('formatError', () => {
  it('prints what happened, what to do, the command, and who can do it', () => {
    const e = new OperatorError('consent-missing', 'No admin consent (AADSTS65001).', {
      hint: 'Grant admin consent: send the admin-consent link of this profile to an administrator.',
      remedy: { action: 'grant-consent', profile: 'contoso' },
      who: 'a Privileged Role Administrator',
    });
    expect(formatError(e)).toBe(
      [
        'error: No admin consent (AADSTS65001).',
        '  what to do: Grant admin consent: send the admin-consent link of this profile to an administrator.',
        '  run: m365-reconciler consent url --profile contoso',
        '  who can do it: a Privileged Role Administrator',
        '',
      ].join('\n'),
    );
  });

  it('an error without a remedy prints as before', () => {
    expect(formatError(new OperatorError('bad-input', 'Bad.', { hint: 'Fix it.' }))).toBe('error: Bad.\n  what to do: Fix it.\n');
  });
});

describe('OperatorError as data', () => {
  it('toDto carries the remedy, validates against the shared schema, and never the cause', () => {
    const e = new OperatorError('permission-denied', 'Denied.', {
      hint: 'Add the permission.',
      remedy: { action: 'add-permission', profile: 'contoso', permission: 'Reports.Read.All' },
      who: 'an admin',
      status: 403,
      aadsts: 50076,
      requestId: 'r-1',
      graphCode: 'Authorization_RequestDenied',
      cause: new Error('secret stack'),
    });
    const dto = e.toDto();
    expect(errorDtoSchema.parse(dto)).toEqual(dto);
    expect(dto).toEqual({
      code: 'permission-denied',
      message: 'Denied.',
      hint: 'Add the permission.',
      remedy: { action: 'add-permission', profile: 'contoso', permission: 'Reports.Read.All' },
      who: 'an admin',
      status: 403,
      aadsts: 50076,
      requestId: 'r-1',
    });
    expect(JSON.stringify(dto)).not.toContain('secret stack');
    expect(toErrorDto(e)).toEqual(dto);
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ code: 'permission-denied', remedy: dto.remedy });
  });

  it('every shared error code has an exit code; busy is a concurrent writer, like the store', () => {
    for (const code of ERROR_CODES) expect(Object.values(EXIT)).toContain(exitCodeFor(code));
    expect(exitCodeFor('busy')).toBe(EXIT.store);
  });
});
