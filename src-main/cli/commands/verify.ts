import type { Command } from 'commander';
import type { CommandDeps } from '../command-deps';
import { demoOptions, type DemoFlags } from '../demo-options';
import { formatTable, type Out } from '../output';
import { printLoginResult } from './login';
import { OperatorError } from '../../core/services/index';
import type { VerifyReportDto as VerifyReport } from '../../shared/consent';

/**
 * verify --profile P: the permission self-check.
 *
 * Prints the per-feature table (Feature | Status | Missing / what to add | Probe), then
 * the excess-privilege section, then the credential expiry line.
 * Exit codes: 0 when every feature is enabled, also when only excess privilege was found
 * (the warning is printed; the reconciler still only reads); 4 when something is missing
 * or consent is absent; 3 when sign-in fails for another reason.
 */
export function printVerifyReport(out: Out, r: VerifyReport): void {
  out.write(`Profile "${r.profileName}"${r.tenantId ? `, tenant ${r.tenantId}` : ''}, ${r.kind === 'delegated' ? 'delegated sign-in' : 'app-only sign-in'}\n`);
  if (r.signIn.ok) {
    out.write(`Token grants (${r.kind === 'delegated' ? 'scp' : 'roles'}): ${r.granted.length > 0 ? r.granted.join(', ') : '(nothing)'}\n\n`);
  } else {
    out.write(`Sign-in failed: ${r.signIn.error.message}\n\n`);
  }
  const rows = r.rows.map((row) => [
    row.label,
    row.status,
    row.whatToAdd,
    row.probe.ok ? `ok (HTTP ${row.probe.httpStatus ?? '?'})` : row.probe.httpStatus !== undefined ? `failed (HTTP ${row.probe.httpStatus})` : (row.probe.note ?? 'failed'),
  ]);
  out.write(formatTable(['Feature', 'Status', 'Missing / what to add', 'Probe'], rows));

  out.write('\nExcess privilege:\n');
  if (r.excess.length === 0) {
    out.write('  none: the token carries no permission beyond what the reconciler needs.\n');
  } else {
    for (const e of r.excess) {
      out.write(`  WARNING ${e.permission} (${e.risk === 'write' ? 'write' : 'broad read'})\n    ${e.advice}\n`);
    }
    out.write('  The reconciler keeps working (it only sends GET requests), but this warning stays on every sync summary until the permission is removed.\n');
  }
  out.write(`\nCredential: ${r.credential.status}: ${r.credential.message}\n`);
}

export function registerVerifyCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  demoOptions(
    program
      .command('verify')
      .description('check sign-in and every feature with one read request each: what is enabled, what to add, excess privilege, credential expiry')
      .requiredOption('--profile <name>', 'profile to check ("demo" starts the demo tenant; pick its app with --app, or with --credential delegated its public client with --demo-app)')
      .addHelpText(
        'after',
        '\nExit codes: 0 every feature enabled (also when only excess privilege was found: the warning is printed and\n' +
          'the reconciler still only reads); 4 a feature is missing a permission, role or licence, or admin consent is missing;\n' +
          '3 sign-in failed for another reason.',
      ),
  ).action(async (flags: DemoFlags & { profile: string }) => {
    const svc = deps.host().services;
    // A delegated demo run signs its demo user in first; say who signed in, as a login would.
    const unsubscribe = svc.subscribe('auth.state', (e) => {
      if (e.state === 'signed-in' && e.result) printLoginResult(io.stderr, e.result);
    });
    const report = await svc.api.verify.run({ profile: flags.profile }).finally(unsubscribe);
    printVerifyReport(io.stdout, report);
    if (!report.signIn.ok) {
      const e = report.signIn.error;
      throw new OperatorError(e.code as ConstructorParameters<typeof OperatorError>[0], e.message, { hint: e.hint, ...(e.remedy ? { remedy: e.remedy } : {}), ...(e.who ? { who: e.who } : {}), ...(e.aadsts !== undefined ? { aadsts: e.aadsts } : {}) });
    }
    if (!report.allEnabled) {
      const missing = report.rows.filter((r) => r.status === 'missing');
      throw new OperatorError('permission-denied', `${missing.length} of ${report.rows.length} features are not enabled: ${missing.map((m) => m.label).join(', ')}.`, {
        hint: 'Add what the table names (permission + admin consent, directory role or licence), then run verify again.',
        who: report.kind === 'application' ? 'a Privileged Role Administrator or Global Administrator grants Microsoft Graph application permissions' : 'a Cloud Application Administrator or Application Administrator grants delegated permissions; a Privileged Role Administrator assigns directory roles',
      });
    }
  });
}
