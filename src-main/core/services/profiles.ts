import { readFile } from 'node:fs/promises';
import type { OpArgs, OpResult } from '../../shared/contract';
import { checkCredentialFiles } from '../auth/credentials';
import { loadCredentialExpiry } from '../certs/expiry';
import { readCaBundle } from '../net/network';
import { OperatorError } from '../errors/operator-error';
import { profileSchema, type Profile } from '../profile/schema';
import { invalid } from '../profile/store';
import { SECRET_KEYS } from '../secrets/secret-store';
import type { ServiceContext } from './context';
import type { ResolvedProfile } from './profile-source';

/** Profiles, and the credentials they name: values go in, only their status comes out. */
export function profileServices(ctx: ServiceContext) {
  const refuseReserved = (name: string) => {
    if (ctx.source.isReserved(name)) {
      throw new OperatorError('bad-input', `"${name}" is reserved for the built-in demo tenant.`, { hint: 'Pick another profile name.' });
    }
  };
  const stored = async (name: string): Promise<ResolvedProfile> => {
    const r = await ctx.source.resolve(name);
    if (!r.persisted) {
      throw new OperatorError('bad-input', `The "${name}" profile is the demo tenant's and is not persisted.`, { hint: 'Change a real profile instead.' });
    }
    return r;
  };

  const status = async (r: ResolvedProfile): Promise<OpResult<'credentials.status'>> => {
    const p = r.profile;
    const c = p.credential;
    const expiry = await loadCredentialExpiry(p, {
      now: ctx.clock(),
      readFile: (path) => (r.credential?.kind === 'certificate' ? Promise.resolve(r.credential.certificatePem) : readFile(path, 'utf8')),
    }).catch(() => undefined);
    const base = {
      profile: p.name,
      kind: c.kind,
      expiry: c.kind === 'delegated' ? ('not-applicable' as const) : (expiry?.status ?? 'unknown'),
      message: expiry?.message ?? 'The credential could not be read.',
      ...(expiry?.expiresOn ? { expiresOn: expiry.expiresOn.toISOString() } : {}),
    };
    if (r.credential) return { ...base, set: true, source: 'memory (the demo tenant hands it over)' };
    if (c.kind === 'secret') {
      if (c.secretEnv) return { ...base, set: Boolean(ctx.env[c.secretEnv]?.trim()), source: `environment variable ${c.secretEnv}` };
      if (c.secretFile) return { ...base, set: await readFile(c.secretFile, 'utf8').then((t) => t.trim() !== '', () => false), source: `file ${c.secretFile}` };
      return { ...base, set: (await r.secretStore.get(SECRET_KEYS.clientSecret(p.name))) !== undefined, source: r.secretStore.description };
    }
    if (c.kind === 'certificate') {
      if (c.privateKeyInStore) return { ...base, set: (await r.secretStore.get(SECRET_KEYS.certificateKey(p.name))) !== undefined, source: r.secretStore.description };
      return { ...base, set: await readFile(c.privateKeyPath ?? '', 'utf8').then(() => true, () => false), source: `file ${c.privateKeyPath ?? ''}` };
    }
    return { ...base, set: (await r.secretStore.get(SECRET_KEYS.tokenCache(p.name))) !== undefined, source: r.secretStore.description };
  };

  const save = async (p: Profile, checkFiles = false): Promise<Profile> => {
    const parsed = profileSchema.safeParse(p);
    if (!parsed.success) throw invalid('profile', parsed.error);
    if (checkFiles) {
      // Refused when added, not at the first sync: a CA bundle with no certificate, a key that is not the certificate's.
      if (parsed.data.caBundlePath) readCaBundle(parsed.data.caBundlePath);
      await checkCredentialFiles(parsed.data, { env: ctx.env, readFile: (path) => readFile(path, 'utf8') });
    }
    await ctx.profiles.upsert(parsed.data);
    return parsed.data;
  };

  const profiles = {
    list: async (): Promise<OpResult<'profiles.list'>> =>
      (await ctx.source.list()).map(({ profile: p, demo }) => ({ name: p.name, tenantId: p.tenantId, clientId: p.clientId, cloud: p.cloud, credentialKind: p.credential.kind, demo })),
    get: async (args: OpArgs<'profiles.get'>): Promise<Profile> => (await ctx.source.resolve(args.profile)).profile,
    save: async (args: { profile: Profile; replace: boolean }): Promise<Profile> => {
      refuseReserved(args.profile.name);
      if (!args.replace && (await ctx.profiles.list()).some((p) => p.name === args.profile.name)) {
        throw new OperatorError('bad-input', `A profile named "${args.profile.name}" exists already.`, { hint: 'Pick another name, or edit the existing profile.' });
      }
      return save(args.profile, true);
    },
    remove: async (args: OpArgs<'profiles.remove'>): Promise<OpResult<'profiles.remove'>> => {
      refuseReserved(args.profile);
      const removed = await ctx.profiles.remove(args.profile);
      if (!removed) throw new OperatorError('profile-not-found', `No profile named "${args.profile}".`, { hint: 'Pick one of the existing profiles.' });
      return { removed };
    },
  };

  const credentials = {
    status: async (args: OpArgs<'credentials.status'>) => status(await ctx.source.resolve(args.profile)),
    setSecret: async (args: OpArgs<'credentials.setSecret'>) => {
      const r = await stored(args.profile);
      if (r.profile.credential.kind !== 'secret') {
        throw new OperatorError('bad-input', `Profile "${r.profile.name}" does not sign in with a client secret.`, { hint: 'Switch the profile to a client secret first, or use its certificate.' });
      }
      await r.secretStore.set(SECRET_KEYS.clientSecret(r.profile.name), Buffer.from(args.secret.trim(), 'utf8'));
      const cred = { kind: 'secret' as const, secretInStore: true as const, ...(args.expiresOn ? { expiresOn: args.expiresOn } : r.profile.credential.expiresOn ? { expiresOn: r.profile.credential.expiresOn } : {}) };
      const updated = await save({ ...r.profile, credential: cred });
      return status({ ...r, profile: updated });
    },
    setSecretExpiry: async (args: OpArgs<'credentials.setSecretExpiry'>) => {
      const r = await stored(args.profile);
      const c = r.profile.credential;
      if (c.kind !== 'secret') {
        throw new OperatorError('bad-input', `Profile "${r.profile.name}" does not sign in with a client secret.`, {
          hint: c.kind === 'certificate' ? "A certificate's expiry is read from the certificate itself." : 'Delegated sign-in has no secret to expire.',
        });
      }
      const updated = await save({ ...r.profile, credential: { ...c, expiresOn: args.expiresOn } });
      return status({ ...r, profile: updated });
    },
    clear: async (args: OpArgs<'credentials.clear'>) => {
      const r = await stored(args.profile);
      const p = r.profile.name;
      for (const key of [SECRET_KEYS.clientSecret(p), SECRET_KEYS.tokenCache(p)]) await r.secretStore.delete(key);
      return status(r);
    },
  };

  return { profiles, credentials, status, stored };
}
