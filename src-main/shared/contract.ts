import { z } from 'zod';
import { op, type ApiOf, type GroupedApiOf, type RemoteApiOf, type Subscribe } from './contract-kit';
import { profileNameSchema, profileSchema } from './profile';
import { datasetIdSchema } from './datasets';
import { syncJobSchema, syncResultSchema, syncProgressEventSchema, syncFinishedEventSchema, syncRetryingEventSchema } from './sync';
import { snapshotsPruneArgsSchema, snapshotsPruneResultSchema } from './retention';
import { exportFileIdSchema, exportProgressEventSchema, exportResultSchema, skuSummaryRowSchema, snapshotInfoSchema } from './snapshots';
import { consentScriptSchema, consentUrlSchema, scriptShellSchema, verifyReportSchema, walkthroughSchema } from './consent';
import { CERT_KEY_TYPES, MAX_CERT_DAYS, certificateImportSourceSchema, certificateReportSchema, rolledBackSchema, credentialStatusSchema, deviceCodeEventSchema, signInResultSchema, signInStateEventSchema, signOutResultSchema, writtenCertificateSchema } from './credentials';
import { demoStartSchema, demoStatusSchema } from './demo';
import { catalogImportSummarySchema } from './catalog';
import { findingKindSchema, findingsReportSchema, reconSettingsSchema } from './recon';
import { diffReportSchema, exchangeRatesSchema, historyVerifySchema, importResultSchema, reconcileReportSchema } from './reconcile';

/**
 * THE contract: every operation a front end can call, with its argument schema, its
 * result schema and the events it emits. Names are `group.method`: the services object
 * is grouped the same way, the IPC channel and the HTTP route are derived from the name.
 */

const profileArg = z.object({ profile: profileNameSchema });
const none = z.object({}).strict();

/** Events, by name: the payload schema of each. */
export const EVENTS = {
  'sync.progress': syncProgressEventSchema,
  'sync.retrying': syncRetryingEventSchema,
  'sync.finished': syncFinishedEventSchema,
  'auth.deviceCode': deviceCodeEventSchema,
  'auth.state': signInStateEventSchema,
  'exports.progress': exportProgressEventSchema,
} as const;
export type EventName = keyof typeof EVENTS;

export const profileSummarySchema = z.object({
  name: z.string(),
  tenantId: z.string(),
  clientId: z.string(),
  cloud: z.string(),
  credentialKind: z.enum(['secret', 'certificate', 'delegated']),
  /** The built-in demo tenant's profile (exists only while the demo tenant runs). */
  demo: z.boolean(),
});

export const CONTRACT = {
  // Profiles: a profile names a tenant, an app registration and where its credential lives.
  'profiles.list': op(none, z.array(profileSummarySchema), 'list the profiles, the running demo tenant\'s included'),
  'profiles.get': op(profileArg, profileSchema, 'one profile, as stored (never a secret)'),
  'profiles.save': op(z.object({ profile: profileSchema, replace: z.boolean().default(true) }), profileSchema, 'add or replace a profile; refuses the demo name and checks what it names'),
  'profiles.remove': op(profileArg, z.object({ removed: z.boolean() }), 'remove a profile; its snapshots stay'),

  // Credentials: values go in, only their status comes out.
  'credentials.status': op(profileArg, credentialStatusSchema, 'whether the credential is set, where it lives and when it expires'),
  'credentials.setSecret': op(
    z.object({ profile: profileNameSchema, secret: z.string().min(1).max(1024), expiresOn: z.iso.date().optional() }),
    credentialStatusSchema,
    'keep a client secret in the secret store for the profile',
  ),
  'credentials.setSecretExpiry': op(
    z.object({ profile: profileNameSchema, expiresOn: z.iso.date() }),
    credentialStatusSchema,
    "record the client secret's expiry date (from the Entra admin center) for expiry warnings",
  ),
  'credentials.clear': op(profileArg, credentialStatusSchema, 'remove the secret, key or sign-in the secret store keeps for the profile'),

  // Certificates instead of secrets.
  'certificates.create': op(
    z.object({
      profile: profileNameSchema,
      keyType: z.enum(CERT_KEY_TYPES).default('rsa2048'),
      days: z.number().int().min(1).max(MAX_CERT_DAYS).optional(),
      /** Folder for the public .cer/.pem (default: the data folder's certificates/<profile>). */
      outDir: z.string().min(1).optional(),
      /** Also write the private key to this new file (mode 0600); otherwise it stays in the secret store only. */
      exportKeyPath: z.string().min(1).optional(),
      replace: z.boolean().default(false),
      discardPrevious: z.boolean().default(false),
    }),
    writtenCertificateSchema,
    'create a self-signed certificate, keep its key in the secret store and write the .cer to upload',
  ),
  'certificates.import': op(
    z.object({ profile: profileNameSchema, source: certificateImportSourceSchema, outDir: z.string().min(1).optional(), replace: z.boolean().default(false), discardPrevious: z.boolean().default(false) }),
    writtenCertificateSchema,
    'import a PEM pair or a PFX; the key moves into the secret store',
  ),
  'certificates.show': op(profileArg, certificateReportSchema, 'what a profile signs in with: the certificate, its expiry and where its key is'),
  'certificates.rollback': op(profileArg, rolledBackSchema, 'switch back to the certificate kept by the last replacement'),
  'certificates.exportKey': op(
    z.object({ profile: profileNameSchema, outPath: z.string().min(1) }),
    z.object({ path: z.string() }),
    "write the profile's private key from the secret store to a new file (mode 0600); the key itself never crosses the contract",
  ),

  // The consent walkthrough.
  'consent.guide': op(z.object({ profile: profileNameSchema, redirectUri: z.url().optional() }), walkthroughSchema, 'the steps, who does each one'),
  'consent.script': op(
    z.object({
      profile: profileNameSchema,
      shell: scriptShellSchema,
      appId: z.uuid().optional(),
      certificatePath: z.string().min(1).optional(),
      /** Also save the script here (written atomically; an Azure CLI script is made executable). */
      outPath: z.string().min(1).optional(),
    }),
    consentScriptSchema,
    'the registration script (PowerShell or Azure CLI) for the consenting administrator',
  ),
  'consent.url': op(z.object({ profile: profileNameSchema, redirectUri: z.url().optional() }), consentUrlSchema, 'the admin-consent link and who may open it'),
  'verify.run': op(profileArg, verifyReportSchema, 'per feature: enabled, what to add, excess privilege, credential expiry'),

  // Delegated sign-in (system browser, or device code).
  'auth.signIn': op(
    z.object({ profile: profileNameSchema, flow: z.enum(['interactive', 'device-code']).optional(), timeoutSeconds: z.number().int().min(5).max(3600).optional() }),
    signInResultSchema,
    'sign a user in for a delegated profile',
    ['auth.deviceCode', 'auth.state'],
  ),
  'auth.signOut': op(profileArg, signOutResultSchema, 'forget the delegated sign-in of a profile', ['auth.state']),

  // Sync is a job: start returns an id, progress arrives as events, the outcome stays readable.
  'sync.start': op(
    z.object({
      profile: profileNameSchema,
      datasets: z.array(datasetIdSchema).optional(),
      /** Commit even when fewer users arrive than Graph announced (@odata.count); the snapshot then carries a warning. */
      acceptIncompleteUsers: z.boolean().optional(),
      /** All or nothing: an enrichment dataset that fails fails the whole sync (default: it is recorded as failed alone). */
      strict: z.boolean().optional(),
    }),
    z.object({ jobId: z.string() }),
    'start a sync of the profile into a new snapshot; refused while one of the same profile runs',
    ['sync.progress', 'sync.retrying', 'sync.finished'],
  ),
  'sync.cancel': op(z.object({ jobId: z.string() }), syncJobSchema, 'cancel a running sync; the previous snapshot stays current', ['sync.finished']),
  'sync.status': op(z.object({ jobId: z.string() }), syncJobSchema, 'a sync job: running, or its result or error'),
  'sync.wait': op(z.object({ jobId: z.string() }), syncResultSchema, 'wait for a sync job; resolves to its result, or fails with its error'),

  // Snapshots and exports.
  'snapshots.list': op(profileArg, z.array(snapshotInfoSchema), 'the snapshots of a profile, newest first'),
  'snapshots.prune': op(
    snapshotsPruneArgsSchema,
    snapshotsPruneResultSchema,
    "delete the data of a profile's older snapshots (keep the newest N, or those younger than D days), keeping their hashes in the chain",
  ),
  'snapshots.skuSummary': op(z.object({ snapshotId: z.number().int().positive() }), z.array(skuSummaryRowSchema), 'per-SKU seat position of a snapshot'),
  'exports.write': op(
    z.object({ profile: profileNameSchema, outDir: z.string().min(1), snapshotId: z.number().int().positive().optional(), files: z.array(exportFileIdSchema).optional() }),
    exportResultSchema,
    'write the CSV exports of the current (or a given) snapshot',
    ['exports.progress'],
  ),

  // The SKU catalogue: Microsoft's product names and service plans.
  'catalog.import': op(
    z.object({ path: z.string().min(1) }),
    catalogImportSummarySchema,
    "import Microsoft's \"Product names and service plan identifiers for licensing\" CSV; it extends or overrides the built-in table",
  ),

  // Reconciliation: findings with evidence, and the settings they honour.
  'findings.list': op(
    z.object({
      profile: profileNameSchema,
      snapshotId: z.number().int().positive().optional(),
      kinds: z.array(findingKindSchema).min(1).optional(),
      /** At most this many items per finding (counts stay complete). */
      itemLimit: z.number().int().min(0).max(10_000_000).optional(),
    }),
    findingsReportSchema,
    'the findings of the current (or a given) snapshot, with evidence, counts and data-quality notes',
  ),
  'settings.get': op(profileArg, reconSettingsSchema, "the profile's reconciliation settings: inactivity threshold, exclusions, seat buffers"),
  'settings.set': op(z.object({ profile: profileNameSchema, settings: reconSettingsSchema }), reconSettingsSchema, "replace the profile's reconciliation settings (missing fields take their defaults)"),

  // Renewals, entitlements, cost and right-sizing; the snapshot history.
  'reconcile.run': op(
    z.object({ profile: profileNameSchema, snapshotId: z.number().int().positive().optional() }),
    reconcileReportSchema,
    'seat position, entitlements reconciliation, renewal-aware right-sizing, cost per SKU, department and country, and savings with their price sources',
  ),
  'entitlements.import': op(z.object({ profile: profileNameSchema, path: z.string().min(1).max(4096) }), importResultSchema, "import purchase records (CSV or XLSX); replaces the profile's previous ones, or nothing on any bad cell"),
  'prices.import': op(z.object({ profile: profileNameSchema, path: z.string().min(1).max(4096) }), importResultSchema, "import a price list (CSV or XLSX); replaces the profile's previous one, or nothing on any bad cell"),
  'prices.getRates': op(profileArg, exchangeRatesSchema, 'the exchange rates into the reporting currency'),
  'prices.setRates': op(z.object({ profile: profileNameSchema, rates: exchangeRatesSchema }), exchangeRatesSchema, 'set the reporting currency and the rates that convert other currencies into it (base null clears them)'),
  'history.diff': op(
    z.object({
      profile: profileNameSchema,
      from: z.number().int().positive(),
      /** Default: the current snapshot. */
      to: z.number().int().positive().optional(),
      /** Write the diff CSV into this folder. */
      outDir: z.string().min(1).optional(),
      limit: z.number().int().min(0).max(10_000_000).optional(),
    }),
    diffReportSchema,
    'users gained or lost per SKU, seat-count changes and findings new or resolved between two snapshots',
  ),
  'history.verify': op(profileArg, historyVerifySchema, "recompute the hash chain of the profile's snapshots; names the first snapshot that does not hold"),

  // The built-in demo tenant.
  'demo.start': op(demoStartSchema, demoStatusSchema, 'start the demo tenant in this process and open its profile'),
  'demo.stop': op(none, demoStatusSchema, 'stop the demo tenant'),
  'demo.status': op(none, demoStatusSchema, 'whether the demo tenant runs, and how'),
} as const;

export type Contract = typeof CONTRACT;
export type OpName = keyof Contract & string;
export const OP_NAMES = Object.keys(CONTRACT) as OpName[];

export type OpArgs<O extends OpName> = z.input<Contract[O]['args']>;
export type OpResult<O extends OpName> = z.output<Contract[O]['result']>;

/** The API front ends call, one method per operation (what the preload and the web bridge expose). */
export type Api = ApiOf<Contract>;
/** The same, as it arrives over IPC or HTTP: results as data. */
export type RemoteApi = RemoteApiOf<Contract>;
/** The grouped services the core implements: services.sync.start(args). */
export type ServicesApi = GroupedApiOf<Contract>;
export type SubscribeFn = Subscribe<typeof EVENTS>;

