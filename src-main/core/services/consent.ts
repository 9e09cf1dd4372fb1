import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { OpArgs, OpResult } from '../../shared/contract';
import { OperatorError } from '../errors/operator-error';
import { writeFileAtomic } from '../fs/atomic-write';
import { registrationScript } from '../consent/scripts';
import { adminConsentUrl } from '../consent/urls';
import { consentWalkthrough } from '../consent/walkthrough';
import { describeMissing } from '../consent/verify';
import { verifyWithProfile } from '../consent/verify-service';
import type { ServiceContext } from './context';
import type { ResolvedProfile } from './profile-source';

const APPLICATION_WHO =
  'a Privileged Role Administrator or Global Administrator (a Cloud Application Administrator or Application Administrator cannot grant Microsoft Graph application permissions)';
const DELEGATED_WHO = 'a Cloud Application Administrator, Application Administrator, Privileged Role Administrator or Global Administrator';

async function readCertificate(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new OperatorError('bad-input', `Cannot read the certificate file ${path}.`, {
      hint: 'Give the public certificate (the .pem or .cer the app wrote when it created the certificate).',
      cause: e,
    });
  }
}

/** The public certificate the script embeds: the one given, else the profile's (the demo's is in memory), else none. */
async function scriptCertificate(path: string | undefined, r: ResolvedProfile): Promise<string | Buffer | null> {
  if (path !== undefined) return readCertificate(resolve(path));
  if (r.profile.credential.kind !== 'certificate') return null;
  if (r.credential?.kind === 'certificate') return r.credential.certificatePem;
  return readCertificate(r.profile.credential.certificatePath);
}

/** The consent walkthrough and the permission self-check. */
export function consentServices(ctx: ServiceContext, prepare: (r: ResolvedProfile) => Promise<void>) {
  const consent = {
    guide: async (args: OpArgs<'consent.guide'>): Promise<OpResult<'consent.guide'>> => {
      const r = await ctx.source.resolve(args.profile);
      const w = consentWalkthrough(r.profile, args.redirectUri !== undefined ? { redirectUri: args.redirectUri } : {});
      return { ...w, guidance: { ...w.guidance, canGrantApplication: [...w.guidance.canGrantApplication], canGrantDelegated: [...w.guidance.canGrantDelegated], cannotGrantApplication: [...w.guidance.cannotGrantApplication] } };
    },
    script: async (args: OpArgs<'consent.script'>): Promise<OpResult<'consent.script'>> => {
      const r = await ctx.source.resolve(args.profile);
      const script = registrationScript(r.profile, {
        shell: args.shell,
        certificate: await scriptCertificate(args.certificatePath, r),
        ...(args.appId !== undefined ? { appId: args.appId } : {}),
      });
      if (args.outPath === undefined) return { shell: script.shell, fileName: script.fileName, content: script.content };
      const savedTo = resolve(args.outPath);
      await writeFileAtomic(savedTo, script.content, { mode: script.shell === 'azcli' ? 0o700 : 0o600 });
      return { shell: script.shell, fileName: script.fileName, content: script.content, savedTo };
    },
    url: async (args: OpArgs<'consent.url'>): Promise<OpResult<'consent.url'>> => {
      const r = await ctx.source.resolve(args.profile);
      const kind = r.profile.credential.kind === 'delegated' ? 'delegated' : 'application';
      return { url: adminConsentUrl(r.profile, args.redirectUri !== undefined ? { redirectUri: args.redirectUri } : {}), kind, who: kind === 'application' ? APPLICATION_WHO : DELEGATED_WHO };
    },
  };

  const verify = {
    run: async (args: OpArgs<'verify.run'>): Promise<OpResult<'verify.run'>> => {
      const r = await ctx.source.resolve(args.profile);
      await prepare(r);
      const report = await verifyWithProfile({
        profile: r.profile,
        env: r.demo ? {} : ctx.env,
        extraCaPem: r.extraCaPem,
        secretStore: r.secretStore,
        now: ctx.clock,
        ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}),
        ...(r.credential ? { credential: r.credential } : {}),
      });
      return { ...report, rows: report.rows.map((row) => ({ ...row, whatToAdd: describeMissing(row, report.kind) })) };
    },
  };
  return { consent, verify };
}
