import { reconSettingsSchema, type ReconSettings } from '../../shared/recon';
import { OperatorError } from '../errors/operator-error';
import type { Db } from '../store/db';

/** The defaults every profile starts with. */
export function defaultSettings(): ReconSettings {
  return reconSettingsSchema.parse({});
}

/** A profile's settings, or the defaults. A stored value that no longer validates is reported, never silently dropped. */
export function readSettings(db: Db, profile: string): ReconSettings {
  const row = db.prepare('SELECT settings FROM recon_settings WHERE profile_name = ?').get(profile) as { settings: string } | undefined;
  if (!row) return defaultSettings();
  const r = reconSettingsSchema.safeParse(JSON.parse(row.settings));
  if (!r.success) {
    throw new OperatorError('bad-input', `The reconciliation settings stored for profile "${profile}" are not valid: ${describeIssue(r.error.issues[0])}.`, {
      hint: 'Save the settings again (they are kept until then).',
    });
  }
  return r.data;
}

function describeIssue(issue: { path: PropertyKey[]; message: string } | undefined): string {
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'settings';
  return `${where}: ${issue.message}`;
}

/** Validate and store a profile's settings (all fields; missing ones take their defaults). */
export function writeSettings(db: Db, profile: string, input: unknown, now: Date): ReconSettings {
  const r = reconSettingsSchema.safeParse(input);
  if (!r.success) {
    throw new OperatorError('bad-input', `The reconciliation settings are not valid: ${describeIssue(r.error.issues[0])}.`, {
      hint: 'Inactivity is 1 to 3650 days, usage 7 to 180 days, seat buffers whole numbers from 0; SKUs by part number or id; UPN patterns like svc-*.',
    });
  }
  db.prepare(
    `INSERT INTO recon_settings (profile_name, settings, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (profile_name) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
  ).run(profile, JSON.stringify(r.data), now.toISOString());
  return r.data;
}

/** `*` glob over the whole UPN, case-insensitive. */
export function upnMatcher(patterns: readonly string[]): (upn: string | null) => boolean {
  if (patterns.length === 0) return () => false;
  const re = new RegExp(
    `^(?:${patterns.map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')).join('|')})$`,
    'i',
  );
  return (upn) => upn !== null && re.test(upn);
}
