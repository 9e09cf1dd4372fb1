import { spawnSync, type SpawnSyncOptionsWithStringEncoding, type SpawnSyncReturns } from 'node:child_process';

/**
 * Runs a command to which file modes apply, whoever runs the tests. Root reads and writes every
 * file whatever its mode (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so as root the command runs
 * without those two capabilities (util-linux `setpriv`), not as another user: it still reads the
 * checkout wherever that lives, a CI clone in a 0700 temporary folder included.
 */
export function spawnWithFileModes(command: string, args: readonly string[], options: SpawnSyncOptionsWithStringEncoding): SpawnSyncReturns<string> {
  if (process.getuid?.() !== 0) return spawnSync(command, args, options);
  return spawnSync('setpriv', ['--bounding-set', '-dac_override,-dac_read_search', '--', command, ...args], options);
}
