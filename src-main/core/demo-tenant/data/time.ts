/**
 * Fast UTC formatting for synthetic timestamps (Date#toISOString dominates the
 * cost of building a user otherwise). Days-to-civil conversion after Howard
 * Hinnant's algorithm, valid for the proleptic Gregorian calendar.
 */

const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function year4(y: number): string {
  return y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : String(y);
}

/** yyyy-mm-dd (UTC). */
export function ymd(ms: number): string {
  const [y, m, d] = civil(Math.floor(ms / 86_400_000));
  return `${year4(y)}-${PAD2[m]}-${PAD2[d]}`;
}

/** yyyy-mm-ddThh:mm:ssZ (UTC, whole seconds), the form Graph uses for DateTimeOffset values. */
export function isoSeconds(ms: number): string {
  const t = Math.floor(ms / 1000);
  const days = Math.floor(t / 86_400);
  const sod = t - days * 86_400;
  const [y, m, d] = civil(days);
  const hh = Math.floor(sod / 3600);
  const mm = Math.floor((sod % 3600) / 60);
  return `${year4(y)}-${PAD2[m]}-${PAD2[d]}T${PAD2[hh]}:${PAD2[mm]}:${PAD2[sod % 60]}Z`;
}
