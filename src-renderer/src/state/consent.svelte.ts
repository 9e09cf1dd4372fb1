import { call } from '../lib/api';
import type { consentScriptSchema, consentUrlSchema } from '../../../src-main/shared/consent';
import type { VerifyReportDto, WalkthroughDto } from '../../../src-main/shared/consent';
import type { CertificateReportDto, WrittenCertificateDto } from '../../../src-main/shared/credentials';
import type { z } from 'zod';
import type { ErrorDto } from '../../../src-main/shared/errors';
import { Loadable } from './async.svelte';

export const CONSENT_STEPS = [
  { id: 'kind', label: 'Sign-in kind' },
  { id: 'register', label: 'App registration' },
  { id: 'certificate', label: 'Certificate' },
  { id: 'consent', label: 'Admin consent' },
  { id: 'verify', label: 'Verify' },
] as const;
export type ConsentStepId = (typeof CONSENT_STEPS)[number]['id'];
export type Shell = 'powershell' | 'azcli';
export type RegisterHow = Shell | 'portal';

interface Progress {
  step: ConsentStepId;
  how: RegisterHow;
}

const KEY = (profile: string) => `m365lr.consent.${profile}`;

/** Where each profile's walkthrough stands; kept in the page's storage so it can be left and resumed. */
function loadProgress(profile: string): Progress {
  try {
    const raw = localStorage.getItem(KEY(profile));
    if (raw) {
      const p = JSON.parse(raw) as Partial<Progress>;
      if (CONSENT_STEPS.some((s) => s.id === p.step) && ['powershell', 'azcli', 'portal'].includes(p.how ?? '')) return p as Progress;
    }
  } catch {
    // A damaged entry starts the walkthrough from the top.
  }
  return { step: 'kind', how: 'powershell' };
}

class ConsentState {
  profile = $state<string | undefined>(undefined);
  step = $state<ConsentStepId>('kind');
  how = $state<RegisterHow>('powershell');
  guide = new Loadable<WalkthroughDto>();
  script = new Loadable<z.infer<typeof consentScriptSchema>>();
  certificate = new Loadable<CertificateReportDto>();
  created = new Loadable<WrittenCertificateDto>();
  url = new Loadable<z.infer<typeof consentUrlSchema>>();
  verify = new Loadable<VerifyReportDto>();
  rollbackError = $state<ErrorDto | undefined>(undefined);

  open(profile: string): void {
    if (this.profile === profile) return;
    this.profile = profile;
    const p = loadProgress(profile);
    this.step = p.step;
    this.how = p.how;
    for (const l of [this.guide, this.script, this.certificate, this.created, this.url, this.verify]) l.reset();
    void this.guide.run(() => call('consent.guide', { profile }));
    void this.certificate.run(() => call('certificates.show', { profile }));
  }

  /** Forget what was loaded (the profile changed underneath, e.g. the demo tenant restarted); the step is kept. */
  forget(): void {
    this.profile = undefined;
  }

  #save(): void {
    if (this.profile) localStorage.setItem(KEY(this.profile), JSON.stringify({ step: this.step, how: this.how } satisfies Progress));
  }

  goTo(step: ConsentStepId): void {
    this.step = step;
    this.#save();
    if (step === 'consent' && this.profile && !this.url.value) void this.loadUrl();
    if (step === 'register' && this.how !== 'portal' && !this.script.value) void this.loadScript();
  }

  setHow(how: RegisterHow): void {
    this.how = how;
    this.#save();
    this.script.reset();
    if (how !== 'portal') void this.loadScript();
  }

  async loadScript(): Promise<void> {
    const profile = this.profile;
    const shell = this.how;
    if (!profile || shell === 'portal') return;
    await this.script.run(() => call('consent.script', { profile, shell }));
  }

  async loadUrl(): Promise<void> {
    const profile = this.profile;
    if (profile) await this.url.run(() => call('consent.url', { profile }));
  }

  async createCertificate(replace: boolean): Promise<void> {
    const profile = this.profile;
    if (!profile) return;
    const made = await this.created.run(() => call('certificates.create', { profile, replace }));
    if (made) {
      await this.certificate.run(() => call('certificates.show', { profile }));
      this.script.reset();
    }
  }

  /** Switch back to the certificate the last replacement kept. */
  async rollback(): Promise<void> {
    const profile = this.profile;
    if (!profile) return;
    const r = await call('certificates.rollback', { profile });
    this.created.reset();
    await this.certificate.run(() => call('certificates.show', { profile }));
    this.rollbackError = r.ok ? undefined : r.error;
  }

  async runVerify(): Promise<void> {
    const profile = this.profile;
    if (profile) await this.verify.run(() => call('verify.run', { profile }));
  }
}

export const consent = new ConsentState();
