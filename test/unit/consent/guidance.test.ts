/**
 * Who may grant consent: learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent
 * (Privileged Role Administrator: any permission of any API; Cloud Application Administrator /
 * Application Administrator: any permission except Microsoft Graph app roles).
 */
import { describe, expect, it } from 'vitest';
import { roleGuidance } from '../../../src-main/core/consent/guidance';
import { consentWalkthrough } from '../../../src-main/core/consent/walkthrough';
import type { Profile } from '../../../src-main/core/profile/schema';

const appProfile: Profile = {
  name: 'contoso',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: '11111111-2222-4333-8444-555555555555',
  cloud: 'gcch',
  credential: { kind: 'certificate', certificatePath: '/etc/m365/cert.pem', privateKeyInStore: true },
};
const delegatedProfile: Profile = { ...appProfile, credential: { kind: 'delegated', flow: 'interactive' } };

describe('role guidance', () => {
  it('application permissions: Privileged Role Administrator or Global Administrator; the application admin roles cannot', () => {
    const g = roleGuidance('application');
    expect(g.canGrantApplication).toEqual(['Privileged Role Administrator', 'Global Administrator']);
    expect(g.cannotGrantApplication).toEqual(['Cloud Application Administrator', 'Application Administrator']);
    const text = g.text.join('\n');
    expect(text).toMatch(/needs a Privileged Role Administrator \(or a Global Administrator\)/);
    expect(text).toMatch(/Cloud Application Administrator or an Application Administrator CANNOT grant Microsoft Graph application permissions/);
  });

  it('delegated permissions: the application admin roles can grant them; reader roles per dataset', () => {
    const g = roleGuidance('delegated');
    expect(g.canGrantDelegated).toContain('Cloud Application Administrator');
    expect(g.canGrantDelegated).toContain('Application Administrator');
    const text = g.text.join('\n');
    expect(text).toMatch(/Cloud Application Administrator or an Application Administrator/);
    expect(text).toMatch(/Sign-in activity: the signed-in user needs Reports Reader/);
    expect(text).toMatch(/Global Reader sees usage reports at tenant level only/);
  });
});

describe('consent walkthrough', () => {
  it('application profile: ordered steps with script command, consent URL and who', () => {
    const w = consentWalkthrough(appProfile);
    expect(w.steps.map((s) => s.id)).toEqual(['review', 'certificate', 'register', 'consent', 'profile', 'verify']);
    const consent = w.steps.find((s) => s.id === 'consent');
    expect(consent?.url).toBe(
      'https://login.microsoftonline.us/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=11111111-2222-4333-8444-555555555555&scope=https%3A%2F%2Fgraph.microsoft.us%2F.default&redirect_uri=http%3A%2F%2Flocalhost',
    );
    expect(consent?.who).toBe('Privileged Role Administrator or Global Administrator');
    expect(consent?.text.join(' ')).toMatch(/Cloud Application Administrator and Application Administrator CANNOT grant/);
    expect(w.steps.find((s) => s.id === 'register')?.command).toMatch(/consent script --profile contoso --shell powershell/);
    expect(w.permissions).not.toContain('Directory.Read.All');
  });

  it.each([
    ['certificate profile', appProfile, /uploads the public certificate/, /client secret/],
    ['secret profile', { ...appProfile, credential: { kind: 'secret', secretEnv: 'M365_SECRET' } } as Profile, /no certificate: this profile uses a client secret/, /uploads the public certificate/],
    ['delegated profile', delegatedProfile, /public client with the http:\/\/localhost redirect/, /certificate/],
  ] as const)('register step of a %s says what the script does, and only that', (_n, p, says, never) => {
    const text = consentWalkthrough(p).steps.find((s) => s.id === 'register')?.text[0] ?? '';
    expect(text).toMatch(says);
    expect(text).not.toMatch(never);
  });

  it('the reserved demo profile: profile add uses a placeholder name, other commands keep "demo"', () => {
    const w = consentWalkthrough({ ...appProfile, name: 'demo' });
    expect(w.steps.find((s) => s.id === 'profile')?.command).toMatch(/^m365-reconciler profile add --name <profile name> /);
    expect(w.steps.find((s) => s.id === 'verify')?.command).toBe('m365-reconciler verify --profile demo');
    expect(consentWalkthrough(appProfile).steps.find((s) => s.id === 'profile')?.command).toMatch(/profile add --name contoso /);
  });

  it('delegated profile: no certificate step, consent by application admins', () => {
    const w = consentWalkthrough(delegatedProfile);
    expect(w.steps.map((s) => s.id)).toEqual(['review', 'register', 'consent', 'profile', 'verify']);
    expect(w.steps.find((s) => s.id === 'consent')?.who).toMatch(/^Cloud Application Administrator, Application Administrator/);
  });
});
