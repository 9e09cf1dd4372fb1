import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import type { CommandDeps } from '../command-deps';
import { OperatorError } from '../../core/services/index';
import { snapshotIdArg, zodArg } from '../options';
import { formatTable, type Out } from '../output';
import { FINDING_KINDS, reconSettingsSchema, type Finding, type FindingKind, type FindingsReport, type ReconSettings } from '../../shared/recon';

const limitArg = zodArg(z.coerce.number().int().min(0).max(1_000_000), 'expected a whole number of rows');
const daysArg = zodArg(z.coerce.number().int().positive(), 'expected a whole number of days');
const bufferArg = (value: string, previous: [string, number][] = []): [string, number][] => {
  const m = /^([^=\s]+)=(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected SKU=SEATS, e.g. ENTERPRISEPACK=5 (got "${value}")`);
  return [...previous, [m[1] ?? '', Number(m[2])]];
};
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function factText(f: Finding['items'][number]['facts']): string {
  return Object.entries(f)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** One section per finding: what it is, its evidence and notes, then its rows. */
export function printFindings(out: Out, r: Omit<FindingsReport, 'settings'>, rows: number): void {
  out.write(`Snapshot ${r.snapshotId} (${r.snapshotTime}), judged as of ${r.asOf}\n`);
  for (const n of r.notes) out.write(`note: ${n}\n`);
  for (const f of r.findings) {
    out.write(`\n== ${f.title} [${f.kind}]: ${f.count} rows, ${f.users} users${f.excluded > 0 ? `, ${f.excluded} excluded` : ''}${f.confidence === 'reduced' ? ', REDUCED CONFIDENCE' : ''}\n`);
    out.write(`   rule: ${f.rule}${f.threshold ? ` (threshold: ${f.threshold})` : ''}\n`);
    out.write(`   data: ${f.evidence.sources.map((s) => `${s.dataset} ${s.status}${s.reportRefreshDate ? ` refreshed ${s.reportRefreshDate}` : ''}`).join('; ')}\n`);
    for (const n of f.notes) out.write(`   note: ${n}\n`);
    if (f.items.length === 0 || rows === 0) continue;
    const shown = f.items.slice(0, rows);
    out.write(
      formatTable(
        ['User', 'Product', 'Reclaimable', 'Facts'],
        shown.map((i) => [i.upn ?? '', i.product ?? i.partNumber ?? '', i.reclaimable ? 'yes' : 'no', factText(i.facts)]),
      ).replace(/^/gm, '   '),
    );
    if (f.count > shown.length) out.write(`   ... ${f.count - shown.length} more (the CSV export has them all)\n`);
  }
}

export function printSettings(out: Out, s: ReconSettings): void {
  const buffers = Object.entries(s.seatBuffers);
  out.write(
    [
      `Inactive after:          ${s.inactiveDays} days without a successful sign-in`,
      `Usage period:            ${s.usageDays} days before the report refresh date`,
      `Excluded SKUs:           ${s.excludedSkus.join(', ') || '(none)'}`,
      `Excluded accounts (UPN): ${s.excludedUpnPatterns.join(', ') || '(none)'}`,
      `Excluded groups:         ${s.excludedGroups.join(', ') || '(none)'}`,
      `Shared mailboxes:        ${s.excludeSharedMailboxes ? 'excluded where the mailbox report says so' : 'included'}`,
      `Seat buffers:            ${buffers.map(([k, v]) => `${k}=${v}`).join(', ') || '(none: 0 for every SKU)'}`,
    ].join('\n') + '\n',
  );
}

interface SettingsFlags {
  profile: string;
  json?: boolean;
  reset?: boolean;
  inactiveDays?: number;
  usageDays?: number;
  excludeSku?: string[];
  includeSku?: string[];
  excludeUpn?: string[];
  includeUpn?: string[];
  excludeGroup?: string[];
  includeGroup?: string[];
  buffer?: [string, number][];
  sharedMailboxes?: 'exclude' | 'include';
}

const without = (list: readonly string[], drop: readonly string[] = []): string[] => list.filter((x) => !drop.some((d) => d.toLowerCase() === x.toLowerCase()));
const withAdded = (list: readonly string[], add: readonly string[] = []): string[] => [...list, ...add.filter((a) => !list.some((x) => x.toLowerCase() === a.toLowerCase()))];

/** findings, settings: the reconciliation and what it honours. */
export function registerFindingsCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  program
    .command('findings')
    .description('the reconciliation findings of a snapshot, each with its evidence, counts and data-quality notes')
    .requiredOption('--profile <name>', 'profile whose snapshot to reconcile')
    .option('--snapshot <id>', 'snapshot id (default: the latest)', snapshotIdArg)
    .addOption(new Option('--kind <kind...>', 'only these findings').choices([...FINDING_KINDS]))
    .option('--rows <n>', 'rows shown per finding (the JSON and the CSV exports have them all)', limitArg, 20)
    .option('--json', 'print the findings as JSON')
    .action(async (flags: { profile: string; snapshot?: number; kind?: FindingKind[]; rows: number; json?: boolean }) => {
      const report = await deps.host().api.findings.list({
        profile: flags.profile,
        ...(flags.snapshot !== undefined ? { snapshotId: flags.snapshot } : {}),
        ...(flags.kind ? { kinds: flags.kind } : {}),
      });
      if (flags.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printFindings(io.stdout, report, flags.rows);
    });

  program
    .command('settings')
    .description('show or change the reconciliation settings of a profile: inactivity threshold, exclusions, seat buffers')
    .requiredOption('--profile <name>', 'profile the settings belong to')
    .option('--inactive-days <n>', 'inactive after this many days without a successful sign-in', daysArg)
    .option('--usage-days <n>', 'usage reports: activity within this many days counts as use', daysArg)
    .option('--exclude-sku <sku>', 'never count this SKU (part number or id; repeatable)', collect)
    .option('--include-sku <sku>', 'count this SKU again (repeatable)', collect)
    .option('--exclude-upn <pattern>', 'leave out accounts whose UPN matches (e.g. svc-*; repeatable)', collect)
    .option('--include-upn <pattern>', 'drop a UPN pattern from the exclusions (repeatable)', collect)
    .option('--exclude-group <group>', 'leave out accounts licensed through this group (id or name; repeatable)', collect)
    .option('--include-group <group>', 'drop a group from the exclusions (repeatable)', collect)
    .option('--buffer <sku=seats>', 'spare seats to keep for a SKU, e.g. ENTERPRISEPACK=5 (0 removes; repeatable)', bufferArg)
    .addOption(new Option('--shared-mailboxes <what>', 'shared mailboxes the mailbox report identifies').choices(['exclude', 'include']))
    .option('--reset', 'go back to the defaults first')
    .option('--json', 'print the settings as JSON')
    .action(async (flags: SettingsFlags) => {
      const api = deps.host().api;
      const current = reconSettingsSchema.parse(await api.settings.get({ profile: flags.profile }));
      const changes = [flags.reset, flags.inactiveDays, flags.usageDays, flags.excludeSku, flags.includeSku, flags.excludeUpn, flags.includeUpn, flags.excludeGroup, flags.includeGroup, flags.buffer, flags.sharedMailboxes];
      let result = current;
      if (changes.some((c) => c !== undefined)) {
        const base = flags.reset ? {} : current;
        const s = { ...base } as Partial<ReconSettings>;
        if (flags.inactiveDays !== undefined) s.inactiveDays = flags.inactiveDays;
        if (flags.usageDays !== undefined) s.usageDays = flags.usageDays;
        if (flags.excludeSku || flags.includeSku) s.excludedSkus = without(withAdded(s.excludedSkus ?? current.excludedSkus, flags.excludeSku), flags.includeSku);
        if (flags.excludeUpn || flags.includeUpn) s.excludedUpnPatterns = without(withAdded(s.excludedUpnPatterns ?? current.excludedUpnPatterns, flags.excludeUpn), flags.includeUpn);
        if (flags.excludeGroup || flags.includeGroup) s.excludedGroups = without(withAdded(s.excludedGroups ?? current.excludedGroups, flags.excludeGroup), flags.includeGroup);
        if (flags.sharedMailboxes) s.excludeSharedMailboxes = flags.sharedMailboxes === 'exclude';
        if (flags.buffer) {
          const buffers = { ...(s.seatBuffers ?? {}) };
          for (const [sku, seats] of flags.buffer) {
            for (const k of Object.keys(buffers)) if (k.toLowerCase() === sku.toLowerCase()) delete buffers[k];
            if (seats > 0) buffers[sku] = seats;
          }
          s.seatBuffers = buffers;
        }
        // Through the contract's argument check, so a bad value gets the same message as on any front end.
        const r = await deps.host().services.dispatch('settings.set', { profile: flags.profile, settings: s });
        if (!r.ok) throw new OperatorError(r.error.code as ConstructorParameters<typeof OperatorError>[0], r.error.message, { hint: r.error.hint });
        result = reconSettingsSchema.parse(r.value);
      }
      if (flags.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else printSettings(io.stdout, result);
    });
}
