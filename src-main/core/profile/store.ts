import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { OperatorError, remedyFor } from '../errors/operator-error';
import { writePrivateFileAtomic } from '../fs/atomic-write';
import { withFileLock } from '../fs/file-lock';
import { profileSchema, type Profile } from './schema';

const fileSchema = z.object({ version: z.literal(1), profiles: z.array(profileSchema) });

/**
 * Profiles live in one JSON file in the data folder. The file never holds a
 * secret (profiles name where a secret comes from), so it may be shared.
 * A damaged file is reported, never overwritten. Changes re-read the file under a
 * lock file (src-main/core/fs/file-lock.ts), so two processes changing profiles at
 * once never lose each other's change.
 */
export class ProfileStore {
  constructor(private readonly path: string) {}

  async list(): Promise<Profile[]> {
    return (await this.read()).profiles;
  }

  async get(name: string): Promise<Profile> {
    const found = (await this.list()).find((p) => p.name === name);
    if (!found) {
      throw new OperatorError('profile-not-found', `No profile named "${name}".`, {
        hint: 'Pick one of the saved profiles, or create a profile with this name.',
        remedy: remedyFor('add-profile', name),
      });
    }
    return found;
  }

  /** Add or replace a profile by name. */
  async upsert(profile: Profile): Promise<void> {
    const parsed = profileSchema.safeParse(profile);
    if (!parsed.success) throw invalid('profile', parsed.error);
    await this.locked(async () => {
      const data = await this.read();
      const others = data.profiles.filter((p) => p.name !== profile.name);
      await this.write({ version: 1, profiles: [...others, parsed.data].sort((a, b) => a.name.localeCompare(b.name)) });
    });
  }

  async remove(name: string): Promise<boolean> {
    return this.locked(async () => {
      const data = await this.read();
      const kept = data.profiles.filter((p) => p.name !== name);
      if (kept.length === data.profiles.length) return false;
      await this.write({ version: 1, profiles: kept });
      return true;
    });
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true });
    return withFileLock(this.path, fn, { what: 'The profiles file' });
  }

  private async read(): Promise<z.infer<typeof fileSchema>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, profiles: [] };
      throw new OperatorError('bad-input', `Cannot read the profiles file ${this.path}.`, { hint: 'Check the file permissions.', cause: e });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new OperatorError('bad-input', `The profiles file ${this.path} is not valid JSON.`, {
        hint: 'Fix the file by hand or move it away; it was left untouched.',
        cause: e,
      });
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) throw invalid(`profiles file ${this.path}`, parsed.error);
    return parsed.data;
  }

  private async write(data: z.infer<typeof fileSchema>): Promise<void> {
    await writePrivateFileAtomic(this.path, JSON.stringify(data, null, 2) + '\n', 'profiles file');
  }
}

export function invalid(what: string, error: z.ZodError): OperatorError {
  const issues = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return new OperatorError('bad-input', `Invalid ${what}: ${issues}`, { hint: 'Correct the values named above and try again.', remedy: { action: 'fix-input' } });
}
