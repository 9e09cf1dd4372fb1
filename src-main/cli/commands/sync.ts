import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandDeps } from '../command-deps';
import { demoOptions, type DemoFlags } from '../demo-options';
import { snapshotIdArg } from '../options';
import { formatTable, progressPrinter } from '../output';
import { printSyncSummary } from './summary';
import { printLoginResult } from './login';
import type { SyncResult } from '../../shared/sync';
import { DEMO_PROFILE_NAME } from '../../shared/demo';

/** Runs one sync job of a profile, printing its progress and retry waits; Ctrl+C cancels it. */
export async function runSync(deps: CommandDeps, profile: string, o: { acceptIncompleteUsers?: boolean; strict?: boolean } = {}): Promise<SyncResult> {
  const { io } = deps;
  const svc = deps.host().services;
  const progress = progressPrinter(io.stderr);
  const unsubscribe = [
    svc.subscribe('sync.progress', (e) => progress.onProgress(e.progress)),
    svc.subscribe('sync.retrying', (e) => io.stderr.write(`  (waiting ${(e.delayMs / 1000).toFixed(1)} s: ${e.reason} from ${e.host}, attempt ${e.attempt})\n`)),
    // A delegated demo run signs its demo user in first; say who signed in, as a login would.
    svc.subscribe('auth.state', (e) => {
      if (e.state === 'signed-in' && e.result) printLoginResult(io.stderr, e.result);
    }),
  ];
  try {
    const { tenantId } = await svc.api.profiles.get({ profile });
    io.stderr.write(`Syncing profile "${profile}" (${tenantId})...\n`);
    const { jobId } = await svc.api.sync.start({
      profile,
      ...(o.acceptIncompleteUsers ? { acceptIncompleteUsers: true } : {}),
      ...(o.strict ? { strict: true } : {}),
    });
    return await svc.api.sync.wait({ jobId });
  } finally {
    progress.done();
    for (const u of unsubscribe) u();
  }
}

/** demo, sync, export, snapshots: the main job and its parts. */
export function registerSyncCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  demoOptions(
    program
      .command('demo')
      .description('start the built-in demo tenant in-process, sync it (app credentials by default) and write the exports')
      .option('--out <dir>', 'export folder', './exports'),
  ).action(async (flags: DemoFlags & { out: string }) => {
    const api = deps.host().api;
    const result = await runSync(deps, DEMO_PROFILE_NAME);
    const exported = await api.exports.write({ profile: DEMO_PROFILE_NAME, outDir: resolve(flags.out), snapshotId: result.snapshotId });
    printSyncSummary(io.stdout, result, exported.skuSummary);
    io.stdout.write(`\nExports:\n${exported.files.map((f) => `  ${f}`).join('\n')}\n`);
  });

  demoOptions(
    program
      .command('sync')
      .description(`sync a profile into a new snapshot (profile "${DEMO_PROFILE_NAME}" starts the demo tenant in-process)`)
      .requiredOption('--profile <name>', 'profile to sync')
      .option('--accept-incomplete', 'commit even when fewer users arrive than Microsoft Graph announced (the snapshot carries a warning)')
      .option('--strict', 'all or nothing: fail the sync when any dataset fails (by default a failed enrichment dataset is recorded and the snapshot commits without it)'),
  ).action(async (flags: DemoFlags & { profile: string; acceptIncomplete?: boolean; strict?: boolean }) => {
    const result = await runSync(deps, flags.profile, {
      ...(flags.acceptIncomplete ? { acceptIncompleteUsers: true } : {}),
      ...(flags.strict ? { strict: true } : {}),
    });
    printSyncSummary(io.stdout, result, await deps.host().api.snapshots.skuSummary({ snapshotId: result.snapshotId }));
  });

  program
    .command('export')
    .description("write the CSV exports of a profile's current snapshot")
    .requiredOption('--profile <name>', 'profile whose snapshot to export')
    .requiredOption('--out <dir>', 'export folder')
    .addOption(new Option('--snapshot <id>', 'a specific snapshot id instead of the current one').argParser(snapshotIdArg))
    .action(async (flags: { profile: string; out: string; snapshot?: number }) => {
      const exported = await deps.host().api.exports.write({
        profile: flags.profile,
        outDir: resolve(flags.out),
        ...(flags.snapshot !== undefined ? { snapshotId: flags.snapshot } : {}),
      });
      io.stdout.write(`${exported.files.join('\n')}\n`);
    });

  program
    .command('snapshots')
    .description('list the snapshots of a profile, newest first')
    .requiredOption('--profile <name>', 'profile')
    .action(async (flags: { profile: string }) => {
      const rows = (await deps.host().api.snapshots.list({ profile: flags.profile })).map((s) => [s.id, s.startedAt, s.finishedAt, s.userCount ?? '']);
      io.stdout.write(rows.length ? formatTable(['Id', 'Started', 'Finished', 'Users'], rows, new Set([0, 3])) : 'No snapshots yet.\n');
    });
}
