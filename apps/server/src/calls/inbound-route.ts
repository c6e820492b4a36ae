import type { InboundRejectionReason, TelephonyProvider } from '@patchbay/core';
import type { PatchbayApp } from '../http/app.js';
import { carrierWebhook, sendWebhookResponse } from '../http/webhooks.js';
import { mediaStreamUrl } from '../media/media-sockets.js';
import { canonicalAddress } from '../phone-numbers.js';
import { openConfiguration, type ServerContext } from '../server-context.js';
import { ServerError } from '../server-errors.js';
import { admitInboundCall } from './call-admission.js';
import { callbackUrls } from './call-webhook.js';

interface Candidate {
  phone_number_id: string;
  organization_id: string;
  agent_id: string | null;
  configuration_id: string;
  credentials: Uint8Array;
  is_active: boolean;
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
    const candidates = await sql<Candidate[]>`
      select p.id as phone_number_id, p.organization_id, p.agent_id,
             t.id as configuration_id, t.credentials, t.is_active
      from phone_numbers p join telephony_configurations t on t.id = p.configuration_id
      where p.provider = ${spec.name} and p.address = ${to}
        and (${call.accountId ?? null}::text is null or p.account_id = ${call.accountId ?? null})
      order by p.created_at
      limit 10`;
    if (candidates.length === 0) return reject('number-not-configured');

    // Where the carrier names no account, the signature tells whose number it is.
    let chosen: { candidate: Candidate; provider: TelephonyProvider } | undefined;
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
    const callId = await admitInboundCall(sql, {
      organizationId: candidate.organization_id,
      configurationId: candidate.configuration_id,
      agentId: candidate.agent_id,
      provider: spec.name,
      carrierCallId: call.callId,
      from: call.from,
      to,
      status: call.status,
    });
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
