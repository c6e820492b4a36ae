import type { AriConfig } from '../src/index.js';

export function ariConfig(endpoint: string): AriConfig {
  return {
    provider: 'ari',
    ari_endpoint: endpoint,
    app_name: 'patchbay',
    app_password: 'secret',
    ws_client_name: 'patchbay',
    stasis_app_name: 'patchbay_0123456789ab',
    dial_template: 'PJSIP/{to}@trunk',
  };
}
