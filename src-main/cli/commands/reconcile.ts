import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandDeps } from '../command-deps';
import { OperatorError } from '../../core/services/index';
import { snapshotIdArg } from '../options';
import { formatTable, type Out } from '../output';
import type { DiffReport, HistoryVerify, ImportResult, ReconcileReport, SeatPrice } from '../../shared/reconcile';
import { currencyCodeSchema } from '../../shared/reconcile';

const money = (v: number | null | undefined, currency: string | null): string => (v === null || v === undefined ? '-' : `${v.toFixed(2)}${currency ? ` ${currency}` : ''}`);
const priceText = (p: SeatPrice): string => (p.monthly === null ? 'no price' : `${money(p.monthly, p.currency)}/month (${p.source})`);

function printHeader(out: Out, r: ReconcileReport): void {
  out.write(`Snapshot ${r.snapshotId} (${r.snapshotTime}), hash ${r.contentHash ?? 'not sealed'}\n`);
}

export function printPosition(out: Out, r: ReconcileReport): void {
  printHeader(out, r);
  out.write(
    formatTable(
      ['Product', 'Part number', 'Usable', 'Assigned', 'Available', 'Buffer', 'Price', 'Monthly cost'],
      r.position.map((p) => [
        `${p.product}${p.unknownSku ? ' (unknown SKU)' : ''}${p.excluded ? ' (excluded)' : ''}`,
        p.partNumber,
        p.usable,
        p.consumed,
        p.overBy > 0 ? `over by ${p.overBy}` : p.available,
        p.buffer,
        priceText(p.price),
        money(p.monthlyCost, p.price.currency),
      ]),
      new Set([2, 3, 4, 5]),
    ),
  );
  const s = r.savings;
  out.write(`\nSavings: ${money(s.monthly, s.currency)} per month, ${money(s.annual, s.currency)} per year from ${s.reclaimableSeats} reclaimable seats. ${s.coverageNote}\n`);
  if (s.downgradeSeats > 0) out.write(`Downgrades: ${s.downgradeSeats} mailbox-only users, ${money(s.downgradeMonthly, s.currency)} per month.\n`);
  out.write(`Prices from: ${s.sources.join('; ') || 'none imported'}\n`);
  if (r.costByDepartment.length > 0) {
    out.write('\nCost by department:\n');
    out.write(formatTable(['Department', 'Users', 'Seats', 'Priced seats', 'Monthly cost'], r.costByDepartment.map((c) => [c.key, c.users, c.seats, c.pricedSeats, money(c.monthlyCost, r.currency)]), new Set([1, 2, 3])));
    out.write('\nCost by country:\n');
    out.write(formatTable(['Usage location', 'Users', 'Seats', 'Priced seats', 'Monthly cost'], r.costByCountry.map((c) => [c.key, c.users, c.seats, c.pricedSeats, money(c.monthlyCost, r.currency)]), new Set([1, 2, 3])));
  }
  for (const n of r.notes) out.write(`note: ${n}\n`);
}

export function printEntitlements(out: Out, r: ReconcileReport): void {
  printHeader(out, r);
  if (r.entitlements.length === 0) {
    out.write('No entitlements imported for this profile.\n');
    return;
  }
  out.write(
    formatTable(
      ['Product', 'Part number', 'Entitled', 'Usable', 'Assigned', 'Difference', 'Term end', 'Price'],
      r.entitlements.map((e) => [`${e.product}${e.unknownSku ? ' (unknown SKU)' : ''}`, e.partNumber, e.entitled, e.usable, e.assigned, e.difference, e.termEnd ?? '', priceText(e.price)]),
      new Set([2, 3, 4, 5]),
    ),
  );
}

export function printRightSizing(out: Out, r: ReconcileReport): void {
  printHeader(out, r);
  out.write(`${r.renewalNote}\n`);
  if (r.rightSizing.length === 0) {
    out.write('Nothing to reduce.\n');
    return;
  }
  out.write(
    formatTable(
      ['Product', 'Advice', 'Unassigned', 'Disabled', 'Inactive', 'Savings/month', 'Price source'],
      r.rightSizing.map((x) => [x.product, x.advice, x.unassignedBeyondBuffer, x.disabledSeats, x.inactiveSeats, money(x.monthlySavings, x.price.currency), x.price.source]),
      new Set([2, 3, 4]),
    ),
  );
}

function printImport(out: Out, r: ImportResult): void {
  out.write(`Imported ${r.rows} ${r.kind === 'prices' ? 'prices' : 'purchase records'} from ${r.file}${r.currencies.length > 0 ? ` (${r.currencies.join(', ')})` : ''}.\n`);
  if (r.unknownSkus.length > 0) out.write(`Unknown SKUs (kept under the name given): ${r.unknownSkus.join(', ')}\n`);
}

function printDiff(out: Out, d: DiffReport): void {
  out.write(`From snapshot ${d.from.snapshotId} (${d.from.finishedAt}, ${d.from.contentHash ?? 'not sealed'})\n  to snapshot ${d.to.snapshotId} (${d.to.finishedAt}, ${d.to.contentHash ?? 'not sealed'})\n`);
  if (d.skus.length > 0) {
    out.write(
      formatTable(
        ['Part number', 'Users gained', 'Users lost', 'Usable', 'Assigned'],
        d.skus.map((s) => [s.partNumber, s.usersGained, s.usersLost, `${s.usableBefore ?? '-'} -> ${s.usableAfter ?? '-'}`, `${s.consumedBefore ?? '-'} -> ${s.consumedAfter ?? '-'}`]),
        new Set([1, 2]),
      ),
    );
  } else out.write('No licence or seat changes.\n');
  const f = d.findings.filter((x) => x.new > 0 || x.resolved > 0);
  if (f.length > 0) out.write(`\n${formatTable(['Finding', 'New', 'Resolved'], f.map((x) => [x.kind, x.new, x.resolved]), new Set([1, 2]))}`);
  for (const file of d.files) out.write(`Wrote ${file}\n`);
}

function printVerify(out: Out, v: HistoryVerify): void {
  for (const s of v.snapshots) out.write(`  ${String(s.snapshotId).padStart(5)}  ${s.finishedAt}  ${s.status}\n`);
  out.write(`${v.message}\n`);
}

const rateArg = (value: string, previous: Record<string, number> = {}): Record<string, number> => {
  const m = /^([A-Za-z]{3})=(\d+(?:\.\d+)?)$/.exec(value.trim());
  if (!m || !(Number(m[2]) > 0)) throw new InvalidArgumentError(`expected CUR=RATE, e.g. USD=0.92 (got "${value}")`);
  return { ...previous, [(m[1] ?? '').toUpperCase()]: Number(m[2]) };
};
const currencyArg = (value: string): string => {
  const r = currencyCodeSchema.safeParse(value.toUpperCase());
  if (!r.success) throw new InvalidArgumentError('expected a three-letter currency code such as EUR');
  return r.data;
};

/** reconcile, diff, verify-history, entitlements import, prices import and prices rates. */
export function registerReconcileCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  const reconcile = program.command('reconcile').description('seat position and cost, entitlements reconciliation, and renewal-aware right-sizing');
  const views = [
    ['position', 'seat position and cost per SKU, cost per department and country, and savings', printPosition],
    ['entitlements', 'purchased seats against usable and assigned seats, per SKU', printEntitlements],
    ['right-sizing', '"reduce by N seats before DATE" per SKU', printRightSizing],
  ] as const;
  for (const [name, description, print] of views) {
    reconcile
      .command(name)
      .description(description)
      .requiredOption('--profile <name>', 'profile whose snapshot to reconcile')
      .option('--snapshot <id>', 'snapshot id (default: the latest)', snapshotIdArg)
      .option('--json', 'print the whole report as JSON')
      .action(async (flags: { profile: string; snapshot?: number; json?: boolean }) => {
        const r = await deps.host().api.reconcile.run({ profile: flags.profile, ...(flags.snapshot !== undefined ? { snapshotId: flags.snapshot } : {}) });
        if (flags.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else print(io.stdout, r);
      });
  }

  program
    .command('diff')
    .description('what changed between two snapshots: users gained or lost per SKU, seat counts, findings new or resolved')
    .requiredOption('--profile <name>', 'profile the snapshots belong to')
    .requiredOption('--from <id>', 'the older snapshot', snapshotIdArg)
    .option('--to <id>', 'the newer snapshot (default: the latest)', snapshotIdArg)
    .option('--out <dir>', 'also write the diff CSV into this folder')
    .option('--json', 'print the diff as JSON')
    .action(async (flags: { profile: string; from: number; to?: number; out?: string; json?: boolean }) => {
      const d = await deps.host().api.history.diff({ profile: flags.profile, from: flags.from, ...(flags.to !== undefined ? { to: flags.to } : {}), ...(flags.out ? { outDir: resolve(flags.out) } : {}) });
      if (flags.json) io.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      else printDiff(io.stdout, d);
    });

  program
    .command('verify-history')
    .description("recompute the hash chain of a profile's snapshots and name the first one that was changed or damaged")
    .requiredOption('--profile <name>', 'profile whose history to verify')
    .option('--json', 'print the result as JSON')
    .action(async (flags: { profile: string; json?: boolean }) => {
      const v = await deps.host().api.history.verify({ profile: flags.profile });
      if (flags.json) io.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
      else printVerify(io.stdout, v);
      if (!v.ok) {
        throw new OperatorError('store', `The snapshot history of profile "${flags.profile}" does not verify: the first bad snapshot is ${v.firstBad}.`, {
          hint: 'Figures from that snapshot on cannot be trusted; restore the data folder from a backup taken before it, or sync again for a fresh snapshot.',
        });
      }
    });

  program
    .command('entitlements')
    .description('purchase records for the entitlements reconciliation')
    .command('import <file>')
    .description('import purchase records from CSV or XLSX: SKU part number or name, quantity, unit price, currency, billing period, term end')
    .requiredOption('--profile <name>', 'profile the purchases belong to')
    .action(async (file: string, flags: { profile: string }) => printImport(io.stdout, await deps.host().api.entitlements.import({ profile: flags.profile, path: resolve(file) })));

  const prices = program.command('prices').description('the price list and exchange rates behind every money figure');
  prices
    .command('import <file>')
    .description('import a price list from CSV or XLSX: SKU part number or name, unit price, currency, billing period')
    .requiredOption('--profile <name>', 'profile the prices belong to')
    .action(async (file: string, flags: { profile: string }) => printImport(io.stdout, await deps.host().api.prices.import({ profile: flags.profile, path: resolve(file) })));
  prices
    .command('rates')
    .description('show or set the exchange rates into the reporting currency (needed when prices are in several currencies)')
    .requiredOption('--profile <name>', 'profile the rates belong to')
    .option('--base <currency>', 'the reporting currency', currencyArg)
    .option('--rate <cur=rate>', '1 unit of CUR in the reporting currency, e.g. USD=0.92 (repeatable)', rateArg)
    .option('--clear', 'remove the rates')
    .action(async (flags: { profile: string; base?: string; rate?: Record<string, number>; clear?: boolean }) => {
      const api = deps.host().api;
      let rates = await api.prices.getRates({ profile: flags.profile });
      if (flags.clear) rates = await api.prices.setRates({ profile: flags.profile, rates: { base: null, rates: {} } });
      else if (flags.base || flags.rate) {
        const base = flags.base ?? rates.base;
        if (!base) throw new InvalidArgumentError('give the reporting currency with --base');
        rates = await api.prices.setRates({ profile: flags.profile, rates: { base, rates: { ...rates.rates, ...(flags.rate ?? {}) } } });
      }
      io.stdout.write(rates.base ? `Reporting currency ${rates.base}\n${Object.entries(rates.rates).map(([c, r]) => `  1 ${c} = ${r} ${rates.base}`).join('\n')}\n` : 'No exchange rates set.\n');
    });
}
