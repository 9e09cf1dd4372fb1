import type { Command } from 'commander';
import { z } from 'zod';
import type { CommandDeps } from '../command-deps';
import { OperatorError } from '../../core/services/index';
import { zodArg } from '../options';
import type { Out } from '../output';
import type { SnapshotsPruneResult } from '../../shared/retention';

const keepArg = zodArg(z.coerce.number().int().min(1).max(100_000), 'expected a whole number of snapshots, at least 1');
const ageArg = zodArg(z.coerce.number().int().min(1).max(36_500), 'expected a whole number of days, at least 1');

function printPrune(out: Out, r: SnapshotsPruneResult): void {
  for (const p of r.pruned) out.write(`  ${String(p.snapshotId).padStart(5)}  ${p.finishedAt}  ${r.dryRun ? 'would be pruned' : 'pruned'}\n`);
  out.write(`${r.message}\n`);
}

/** prune-snapshots: snapshot retention. */
export function registerRetentionCommands(program: Command, deps: CommandDeps): void {
  const io = deps.io;
  program
    .command('prune-snapshots')
    .description("delete the data of a profile's older snapshots; their hashes stay, so verify-history still checks the chain")
    .requiredOption('--profile <name>', 'profile whose snapshots to prune')
    .option('--keep <n>', 'keep the newest N snapshots', keepArg)
    .option('--max-age-days <d>', 'keep the snapshots younger than D days', ageArg)
    .option('--dry-run', 'list what would be pruned, remove nothing')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { profile: string; keep?: number; maxAgeDays?: number; dryRun?: boolean; json?: boolean }) => {
      if (flags.keep === undefined && flags.maxAgeDays === undefined) {
        throw new OperatorError('bad-input', 'Say which snapshots to keep.', { hint: 'Give --keep N (the newest N snapshots), --max-age-days D (those younger than D days), or both.' });
      }
      const r = await deps.host().api.snapshots.prune({
        profile: flags.profile,
        ...(flags.keep !== undefined ? { keep: flags.keep } : {}),
        ...(flags.maxAgeDays !== undefined ? { maxAgeDays: flags.maxAgeDays } : {}),
        ...(flags.dryRun ? { dryRun: true } : {}),
      });
      if (flags.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else printPrune(io.stdout, r);
    });
}
