import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers/cli';
import { FINDING_KINDS } from '../../src-main/shared/recon';

/** The CLI's findings and settings commands over a demo sync (real HTTPS, MSAL, Graph client). */
describe('CLI: findings and settings', () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  const out = join(dir, 'exports');

  it('demo writes one CSV per finding next to the two exports', async () => {
    const r = await cli(['--data-dir', data, 'demo', '--users', '300', '--out', out]);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    for (const k of FINDING_KINDS) expect(existsSync(join(out, `finding-${k}.csv`))).toBe(true);
    const text = readFileSync(join(out, 'finding-seat-position.csv'));
    expect(text.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(text.toString('utf8')).toContain('\r\n');
    const rows = parse(text.subarray(3), { columns: true }) as Record<string, string>[];
    const over = rows.find((x) => x['Part number'] === 'VISIOCLIENT' && x['issue'] === 'over-assigned');
    expect(over?.['overBy']).toMatch(/^\d+$/); // a number, not text
    const summary = parse(readFileSync(join(out, 'findings-summary.csv')).subarray(3), { columns: true }) as Record<string, string>[];
    expect(summary.map((s) => s['Finding'])).toEqual([...FINDING_KINDS]);
  });

  it('findings prints a section per finding, and --json the full report', async () => {
    const r = await cli(['--data-dir', data, 'findings', '--profile', 'demo', '--rows', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/== Seat position per SKU \[seat-position\]/);
    expect(r.stdout).toMatch(/== Inactive licensed users \[inactive-users\]: \d+ rows/);
    expect(r.stdout).toMatch(/rule: Last successful sign-in older than the threshold/);
    const j = await cli(['--data-dir', data, 'findings', '--profile', 'demo', '--json', '--kind', 'guests', 'overlap']);
    expect(j.code).toBe(0);
    const report = JSON.parse(j.stdout) as { findings: { kind: string; items: unknown[]; count: number }[] };
    expect(report.findings.map((f) => f.kind)).toEqual(['overlap', 'guests']);
    expect(report.findings[0]!.items.length).toBe(report.findings[0]!.count);
  });

  it('settings show, change and refuse bad values without losing what is stored', async () => {
    const shown = await cli(['--data-dir', data, 'settings', '--profile', 'demo']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Inactive after:\s+90 days/);
    const set = await cli(['--data-dir', data, 'settings', '--profile', 'demo', '--inactive-days', '60', '--buffer', 'ENTERPRISEPACK=4', '--exclude-sku', 'VISIOCLIENT', '--json']);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ inactiveDays: 60, seatBuffers: { ENTERPRISEPACK: 4 }, excludedSkus: expect.arrayContaining(['VISIOCLIENT', 'FLOW_FREE']) });
    const bad = await cli(['--data-dir', data, 'settings', '--profile', 'demo', '--inactive-days', '5000']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/inactiveDays/);
    const buffer = await cli(['--data-dir', data, 'settings', '--profile', 'demo', '--buffer', 'ENTERPRISEPACK']);
    expect(buffer.code).not.toBe(0);
    expect(buffer.stderr).toMatch(/SKU=SEATS/);
    const after = await cli(['--data-dir', data, 'settings', '--profile', 'demo', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ inactiveDays: 60 });
    const reset = await cli(['--data-dir', data, 'settings', '--profile', 'demo', '--reset', '--json']);
    expect(JSON.parse(reset.stdout)).toMatchObject({ inactiveDays: 90, seatBuffers: {} });
  });
});
