import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandDeps } from '../command-deps';

/** catalog import FILE: Microsoft's product names and service plan identifiers CSV. */
export function registerCatalogCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  const catalog = program.command('catalog').description("the SKU catalogue: product names and service plans (Microsoft's reference, built in)");
  catalog
    .command('import <file>')
    .description('import Microsoft\'s "Product names and service plan identifiers for licensing" CSV (download it from Microsoft Learn); it extends or overrides the built-in table')
    .action(async (file: string) => {
      const s = await deps.host().api.catalog.import({ path: resolve(file) });
      io.stdout.write(
        `Imported ${s.skus} products (${s.added} new, ${s.overridden} replacing built-in entries) with ${s.plans} service plans from ${s.rows} rows` +
          `${s.duplicateRows ? ` (${s.duplicateRows} repeated rows ignored)` : ''}.\n` +
          `${s.retiredSkus} products and ${s.retiredPlans} service plans are marked retired.\nStored at ${s.storedAt}.\n`,
      );
    });
}
