/**
 * Redaction applied to every log line and every error message that leaves the core.
 * Known secrets (client secrets, passphrases, tokens seen at run time) are registered
 * and replaced wherever they appear; shapes of secrets (JWTs, bearer headers,
 * secret=... pairs, PEM private keys) are replaced even when not registered.
 */
const PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '[redacted private key]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted jwt]'],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\b(client_secret|client_assertion|refresh_token|access_token|password|passphrase)(["']?\s*[=:]\s*["']?)[^\s&"',}]+/gi, '$1$2[redacted]'],
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Register a value that must never be printed. Short values are ignored to avoid mangling text. */
  add(secret: string | undefined): void {
    if (secret && secret.trim().length >= 8) this.secrets.add(secret.trim());
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return out;
  }
}

/** Process-wide redactor shared by the logger and error output. */
export const redactor = new Redactor();
