import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { OpArgs, OpResult } from '../../shared/contract';
import type { CertificateInfo } from '../certs/info';
import { credentialExpiry, type CredentialExpiry } from '../certs/expiry';
import { generateCertificate } from '../certs/generate';
import {
  assertAppAuthKeyType,
  certificateCommonName,
  createProfileCertificate,
  defaultCertificateDir,
  describeProfileCertificate,
  exportProfileKey,
  importProfileCertificate,
  rollbackProfileCertificate,
  writeKeyFile,
  writePublicFiles,
  type WrittenCertificate,
} from '../certs/manage';
import { OperatorError } from '../errors/operator-error';
import { redactor } from '../log/redact';
import { SECRET_KEYS } from '../secrets/secret-store';
import type { ServiceContext } from './context';
import type { ResolvedProfile } from './profile-source';

type Written = OpResult<'certificates.create'>;

export function infoDto(i: CertificateInfo): Written['info'] {
  return {
    subject: i.subject,
    issuer: i.issuer,
    serialNumber: i.serialNumber,
    notBefore: i.notBefore.toISOString(),
    notAfter: i.notAfter.toISOString(),
    thumbprintSha1: i.thumbprintSha1,
    thumbprintSha256: i.thumbprintSha256,
    keyDescription: i.keyDescription,
  };
}

export function expiryDto(e: CredentialExpiry): OpResult<'certificates.show'>['expiry'] {
  return { status: e.status, message: e.message, ...(e.expiresOn ? { expiresOn: e.expiresOn.toISOString() } : {}) };
}

async function writtenDto(w: WrittenCertificate): Promise<Written> {
  return {
    profile: w.profile.name,
    info: infoDto(w.info),
    cerPath: w.cerPath,
    pemPath: w.pemPath,
    cerBase64: (await readFile(w.cerPath)).toString('base64'),
    keyLocation: w.keyLocation,
    replacedKey: w.replacedKey,
    ...(w.previousCertificatePath ? { previousCertificatePath: w.previousCertificatePath } : {}),
    ...(w.exportedKeyPath ? { exportedKeyPath: w.exportedKeyPath } : {}),
  };
}

/** Certificates instead of client secrets: create, import, show, roll back, export the key. */
export function certificateServices(ctx: ServiceContext) {
  const persisted = async (name: string, what: string): Promise<ResolvedProfile> => {
    const r = await ctx.source.resolve(name);
    if (!r.persisted) {
      throw new OperatorError('bad-input', `The "${name}" profile is the demo tenant's: it is not persisted, so it ${what}.`, {
        hint: 'Create a certificate for the demo profile to see one accepted by the demo tenant, or use a real profile.',
      });
    }
    return r;
  };
  const deps = (r: ResolvedProfile) => ({ profiles: ctx.profiles, secrets: r.secretStore, dataDir: ctx.paths.root, env: ctx.env, now: ctx.clock });

  /** The demo profile: generate, write the public files, and prove the certificate against the demo tenant. */
  const createForDemo = async (r: ResolvedProfile, args: OpArgs<'certificates.create'>): Promise<Written> => {
    const keyType = args.keyType ?? 'rsa2048';
    assertAppAuthKeyType(keyType);
    const name = r.profile.name;
    const generated = await generateCertificate({ commonName: certificateCommonName({ name }), keyType, ...(args.days !== undefined ? { days: args.days } : {}) });
    const files = await writePublicFiles(resolve(args.outDir ?? defaultCertificateDir(ctx.paths.root, name)), name, generated.certificatePem);
    // The demo profile is not persisted: its key lives in the session's memory store only.
    await r.secretStore.set(SECRET_KEYS.certificateKey(name), Buffer.from(generated.privateKeyPem, 'utf8'));
    redactor.add(generated.privateKeyPem);
    const exportedKeyPath = args.exportKeyPath ? await writeKeyFile(args.exportKeyPath, generated.privateKeyPem) : undefined;
    ctx.notify("Uploading it to the demo tenant's least-privilege app and signing in with it...");
    const { proveWithDemoTenant } = await import('../demo/cert-proof');
    const proof = await proveWithDemoTenant({ certificatePath: files.pemPath, secrets: r.secretStore, profileName: name, ...(r.demo ? { tenant: r.demo.tenant } : {}) });
    return {
      profile: name,
      info: infoDto(generated.info),
      cerPath: files.cerPath,
      pemPath: files.pemPath,
      cerBase64: (await readFile(files.cerPath)).toString('base64'),
      keyLocation: `memory only: the "${name}" profile is not persisted, so the key is discarded when the demo tenant stops`,
      replacedKey: false,
      ...(exportedKeyPath ? { exportedKeyPath } : {}),
      demoProof: { tenantDomain: proof.tenantDomain, app: proof.app, clientId: proof.clientId, roles: proof.roles },
    };
  };

  return {
    create: async (args: OpArgs<'certificates.create'>): Promise<Written> => {
      const r = await ctx.source.resolve(args.profile);
      if (!r.persisted) return createForDemo(r, args);
      const written = await createProfileCertificate(
        r.profile,
        {
          keyType: args.keyType ?? 'rsa2048',
          ...(args.days !== undefined ? { days: args.days } : {}),
          ...(args.outDir ? { outDir: resolve(args.outDir) } : {}),
          ...(args.exportKeyPath ? { exportKeyPath: resolve(args.exportKeyPath) } : {}),
          ...(args.replace ? { replace: true } : {}),
          ...(args.discardPrevious ? { discardPrevious: true } : {}),
          ...(ctx.deps.sessionOnlySecrets ? { keyMayBeLostAtExit: true } : {}),
        },
        deps(r),
      );
      return writtenDto(written);
    },
    import: async (args: OpArgs<'certificates.import'>): Promise<Written> => {
      const r = await persisted(args.profile, 'has nothing to import into');
      const source =
        args.source.kind === 'pfx'
          ? { kind: 'pfx' as const, pfxPath: resolve(args.source.pfxPath), passwordEnv: args.source.passwordEnv }
          : {
              kind: 'pem' as const,
              certificatePath: resolve(args.source.certificatePath),
              keyPath: resolve(args.source.keyPath),
              ...(args.source.keyPassphraseEnv ? { keyPassphraseEnv: args.source.keyPassphraseEnv } : {}),
            };
      const opts = {
        ...(args.outDir ? { outDir: resolve(args.outDir) } : {}),
        ...(args.replace ? { replace: true } : {}),
        ...(args.discardPrevious ? { discardPrevious: true } : {}),
        ...(ctx.deps.sessionOnlySecrets ? { keyMayBeLostAtExit: true } : {}),
      };
      return writtenDto(await importProfileCertificate(r.profile, source, opts, deps(r)));
    },
    show: async (args: OpArgs<'certificates.show'>): Promise<OpResult<'certificates.show'>> => {
      const r = await persisted(args.profile, 'has no certificate on disk');
      const p = r.profile;
      if (p.credential.kind !== 'certificate') {
        return { profile: p.name, credentialKind: p.credential.kind, expiry: expiryDto(credentialExpiry(p, { now: ctx.clock() })) };
      }
      const report = await describeProfileCertificate(p, { secrets: r.secretStore, now: ctx.clock });
      return {
        profile: p.name,
        credentialKind: 'certificate',
        expiry: expiryDto(report.expiry),
        certificate: { info: infoDto(report.info), certificatePath: report.certificatePath, key: report.key, ...(report.previous ? { previous: report.previous } : {}) },
      };
    },
    rollback: async (args: OpArgs<'certificates.rollback'>): Promise<OpResult<'certificates.rollback'>> => {
      const r = await persisted(args.profile, 'keeps no previous certificate');
      const done = await rollbackProfileCertificate(r.profile, { profiles: ctx.profiles, secrets: r.secretStore });
      return { profile: r.profile.name, info: infoDto(done.info), certificatePath: done.certificatePath, ...(done.previousCertificatePath ? { previousCertificatePath: done.previousCertificatePath } : {}) };
    },
    exportKey: async (args: OpArgs<'certificates.exportKey'>): Promise<OpResult<'certificates.exportKey'>> => {
      const r = await persisted(args.profile, 'keeps no key');
      return { path: await exportProfileKey(r.profile, args.outPath, { secrets: r.secretStore }) };
    },
  };
}
