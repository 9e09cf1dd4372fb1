import { CLOUD_IDS, customEndpointsSchema, type CloudId, type CustomEndpoints } from '../../shared/clouds';

export { CLOUD_IDS, customEndpointsSchema, type CloudId, type CustomEndpoints };

export interface CloudEndpoints {
  /** e.g. https://login.microsoftonline.com (no trailing slash) */
  loginUrl: string;
  /** e.g. https://graph.microsoft.com (no trailing slash, no version) */
  graphUrl: string;
  /** Human name for messages. */
  label: string;
}

export const KNOWN_CLOUDS: Record<Exclude<CloudId, 'custom'>, CloudEndpoints> = {
  global: { label: 'Microsoft global cloud', loginUrl: 'https://login.microsoftonline.com', graphUrl: 'https://graph.microsoft.com' },
  gcch: { label: 'US Government GCC High', loginUrl: 'https://login.microsoftonline.us', graphUrl: 'https://graph.microsoft.us' },
  dod: { label: 'US Government DoD', loginUrl: 'https://login.microsoftonline.us', graphUrl: 'https://dod-graph.microsoft.us' },
  china: { label: 'Microsoft Azure operated by 21Vianet', loginUrl: 'https://login.chinacloudapi.cn', graphUrl: 'https://microsoftgraph.chinacloudapi.cn' },
};


export function cloudEndpoints(cloud: CloudId, custom?: CustomEndpoints): CloudEndpoints {
  if (cloud === 'custom') {
    if (!custom) throw new Error('cloud "custom" needs loginUrl and graphUrl');
    return { label: 'Custom endpoints', loginUrl: custom.loginUrl, graphUrl: custom.graphUrl };
  }
  return KNOWN_CLOUDS[cloud];
}
