import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createServices, nodeServicesDeps } from '../../../src-main/core/services/index';
import { tempDir } from '../../helpers/fs';

const profile = {
  name: 'contoso',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: '11111111-2222-3333-4444-555555555555',
  cloud: 'global' as const,
  credential: { kind: 'secret' as const, secretEnv: 'CONTOSO_SECRET' },
};

describe('certificates with a secret store that lasts as long as the process', () => {
  it('browser mode (memory secrets, said on screen) keeps a created key for the session', async () => {
    const dataDir = tempDir();
    const services = createServices(nodeServicesDeps({ dataDir, env: {}, secrets: 'memory' }));
    try {
      await services.api.profiles.save({ profile, replace: true });
      const w = await services.api.certificates.create({ profile: 'contoso', keyType: 'rsa2048', outDir: join(dataDir, 'c'), replace: false, discardPrevious: false });
      expect(w.keyLocation).toMatch(/memory/);
      expect(await services.api.credentials.status({ profile: 'contoso' })).toMatchObject({ kind: 'certificate', set: true });
    } finally {
      await services.close();
    }
  });

  it('the CLI without a passphrase still refuses: the key would be gone when the command ends', async () => {
    const services = createServices(nodeServicesDeps({ dataDir: tempDir(), env: {}, secrets: 'env' }));
    try {
      await services.api.profiles.save({ profile, replace: true });
      await expect(services.api.certificates.create({ profile: 'contoso', keyType: 'rsa2048', replace: false, discardPrevious: false })).rejects.toThrow(/lost when this command exits/);
    } finally {
      await services.close();
    }
  });
});
