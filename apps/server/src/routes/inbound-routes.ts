import type { InboundRejectionReason, TelephonyProvider } from '@patchbay/core';
import { admitInboundCall } from '../services/calls/call-admission.js';
import { canonicalAddress } from '../services/phone-numbers.js';
import { openConfiguration, type ServerContext } from '../services/server-context.js';
import { ServerError } from '../services/server-errors.js';
import { type InboundCandidate, inboundCandidates } from '../storage/configuration-store.js';
import type { PatchbayApp } from './app.js';
import { callbackUrls } from './call-webhook-routes.js';
import { mediaStreamUrl } from './media-routes.js';
import { carrierWebhook, sendWebhookResponse } from './webhooks.js';

/** Where carriers send inbound calls (below): the URL to paste into a carrier's console. */
export function inboundWebhookUrl(base: string): string {
  return `${base}/telephony/inbound`;
}

/**
 * The one inbound URL every carrier is pointed at. The registry says which
 * carrier sent it; the called number (and the carrier account, where the
 * carrier names it) says which configuration; that configuration's
 * credentials must verify the signature before anything is written. Every
 * refusal is the carrier's own rejection document, never a hint of why.
 */
export function registerInboundRoute(carrier: PatchbayApp, context: ServerContext): void {
  const { database, registry, mediaTokens, logger } = context;
  const { sql } = database;

  carrier.post('/telephony/inbound', async (request, reply) => {
    const base = context.publicBaseUrl();
    const webhook = carrierWebhook(request, base);
    const match = registry.matchInbound(webhook);
    if (!match)
      throw new ServerError('unknown_carrier', 'No registered carrier recognises this request');
    const { spec, call } = match;
    const reject = (reason: InboundRejectionReason, verified?: TelephonyProvider) => {
      logger.info({ provider: spec.name, callId: call.callId, reason }, 'inbound call refused');
      context.metrics.inboundRefused.inc({ provider: spec.name, reason });
      if (reason === 'signature-invalid')
        context.metrics.signatureFailures.inc({ provider: spec.name });
      // Carriers that ignore the response keep the call ringing unless the API ends it.
      if (verified && spec.inbound.rejectionNeedsHangUp)
        verified
          .hangUp(call.callId)
          .catch((error: unknown) =>
            logger.warn(
              { provider: spec.name, callId: call.callId, error: String(error) },
              'hanging up a refused inbound call failed',
            ),
          );
      return sendWebhookResponse(reply, spec.inbound.reject(reason));
    };

    let to = call.to;
    try {
      to = canonicalAddress(call.to);
    } catch {
      // Not an address we could have registered: nothing will match.
    }
    const candidates = await inboundCandidates(sql, spec.name, to, call.accountId);
    if (candidates.length === 0) return reject('number-not-configured');

    // Where the carrier names no account, the signature tells whose number it is.
    let chosen: { candidate: InboundCandidate; provider: TelephonyProvider } | undefined;
    for (const candidate of candidates) {
      const { provider } = openConfiguration(context, {
        id: candidate.configuration_id,
        provider: spec.name,
        credentials: candidate.credentials,
      });
      try {
        await provider.verifyWebhook(webhook);
        chosen = { candidate, provider };
        break;
      } catch {
        // Not this account's signature.
      }
    }
    if (!chosen) return reject('signature-invalid');
    const { candidate, provider } = chosen;
    // A stopping process takes no new call: the caller hears busy (the carrier's own
    // document, so carriers that retry or fail over do), never an error page.
    if (context.draining()) return reject('draining', provider);
    if (!candidate.is_active) return reject('configuration-inactive', provider);
    if (!candidate.agent_id) return reject('agent-not-configured', provider);

    // A carrier retrying the same inbound webhook gets the same call.
    const admission = await admitInboundCall(context, {
      organizationId: candidate.organization_id,
      configurationId: candidate.configuration_id,
      agentId: candidate.agent_id,
      provider: spec.name,
      carrierCallId: call.callId,
      from: call.from,
      to,
      status: call.status,
    });
    if (!admission.admitted) return reject('concurrency-limit', provider);
    const { callId } = admission;
    const answer = await provider.answerCall({
      callId: call.callId,
      direction: 'inbound',
      from: call.from,
      to,
      mediaStreamUrl: await mediaStreamUrl(
        registry,
        mediaTokens,
        context.carrierBaseUrl(spec.name),
        spec.name,
        callId,
      ),
      statusCallbackUrl: callbackUrls(context.carrierBaseUrl(spec.name), spec.name, callId)
        .statusCallbackUrl,
      customParameters: { patchbayCallId: callId },
    });
    logger.info({ provider: spec.name, callId, to }, 'inbound call answered');
    return sendWebhookResponse(reply, answer);
  });
}
