import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../../helpers/cli';
import { optionName, secretFlagIn, withoutOptionValues } from '../../../src-main/cli/options';

const VALUE = 'Sup3rS3cretValue!!';

describe('near-miss secret flags are refused without echoing the value', () => {
  it.each([['--client_secret=' + VALUE], ['--clientSecret=' + VALUE], ['--pass=' + VALUE], ['--secret-value=' + VALUE], ['--PASSWORD', VALUE], ['--api_key=' + VALUE], ['--client-assertion=' + VALUE]])(
    '%s',
    async (...flag) => {
      const r = await cli(['--data-dir', tempDir(), 'sync', '--profile', 'demo', ...flag]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/never taken from the command line/);
      expect(r.stderr + r.stdout).not.toContain(VALUE);
    },
  );

  it('the real options that name a variable or a file are not refused', () => {
    expect(secretFlagIn(['--secret-env', 'S', '--secret-file', 'f', '--secret-expires', '2027-01-01', '--private-key', 'k.pem', '--passphrase-env', 'P', '--token-lifetime', '60', '--key', 'rsa2048'])).toBeUndefined();
    expect(secretFlagIn(['--', '--secret=x'])).toBeUndefined();
    expect(secretFlagIn(['--client_secret=abc'])).toBe('--client_secret');
  });
});

describe('every unknown option is refused without its value', () => {
  it.each([['--colour=' + VALUE], ['-x' + VALUE], ['--out-dir=' + VALUE]])('%s', async (flag) => {
    const r = await cli(['--data-dir', tempDir(), 'snapshots', '--profile', 'demo', flag]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
    expect(r.stderr + r.stdout).not.toContain(VALUE);
  });

  it('names the option, not its value', () => {
    expect(optionName('--a=b=c')).toBe('--a');
    expect(optionName('-pX')).toBe('-p');
    expect(optionName('plain')).toBeUndefined();
    expect(withoutOptionValues("error: unknown option '--zz=2'", ['--zz=2'])).toBe("error: unknown option '--zz'");
  });
});
