import type { ProviderRegistry } from '@patchbay/core';
import type { MediaTokens } from '../services/media-tokens.js';
import type { CarrierUrls } from '../services/server-context.js';
import { callbackUrls, transferCallbackUrl } from './call-webhook-routes.js';
import { inboundWebhookUrl } from './inbound-routes.js';
import { mediaStreamUrl } from './media-routes.js';
import { providerRouteUrl } from './provider-routes.js';

/** The carrier-facing URLs, from the modules whose routes serve them, for the services to hand out. */
export function carrierUrls(registry: ProviderRegistry, mediaTokens: MediaTokens): CarrierUrls {
  return {
    inbound: inboundWebhookUrl,
    callbacks: callbackUrls,
    transferCallback: transferCallbackUrl,
    mediaStream: (base, provider, callId) =>
      mediaStreamUrl(registry, mediaTokens, base, provider, callId),
    providerRoute: providerRouteUrl,
  };
}
