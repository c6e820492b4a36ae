import { WebhookSignatureError } from '@patchbay/core';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordAnsweringMachine, recordCallStatus } from '../services/calls/call-feed.js';
import type { Transfers } from '../services/calls/transfers.js';
import { openConfiguration, type ServerContext } from '../services/server-context.js';
import { ServerError } from '../services/server-errors.js';
import { callIdOfTransfer, callWithCredentials } from '../storage/call-store.js';
import { isUuid } from '../storage/owned.js';
import type { PatchbayApp } from './app.js';
import { mediaStreamUrl } from './media-routes.js';
import { carrierWebhook, sendWebhookResponse } from './webhooks.js';

/**
 * A carrier's webhook about one of our calls, with its signature checked
 * against the call's configuration before the caller reads or writes more.
 * @throws ServerError `not_found` for an unknown call or a provider that is not the call's
 * @throws WebhookSignatureError (401) for a bad signature
 */
export async function verifiedCallWebhook(
  context: ServerContext,
  request: FastifyRequest,
  providerName: string,
  callId: string | undefined,
) {
  const call = isUuid(callId) ? await callWithCredentials(context.database.sql, callId) : undefined;
  if (!call || call.provider !== providerName) throw new ServerError('not_found', 'No such call');
  const { provider } = openConfiguration(context, {
    id: call.configuration_id!,
    provider: call.provider,
    credentials: call.credentials,
  });
  const webhook = carrierWebhook(request, context.publicBaseUrl());
  try {
    await provider.verifyWebhook(webhook);
  } catch (error) {
    if (WebhookSignatureError.isInstance(error)) {
      context.metrics.signatureFailures.inc({ provider: call.provider });
      context.logger.warn(
        { provider: call.provider, callId: call.id, reason: error.message },
        'carrier webhook refused',
      );
    }
    throw error;
  }
  return { call, provider, webhook };
}

/**
 * Where a carrier reports on one call: its answer document (markup
 * carriers fetch it when the callee picks up) and its status callbacks.
 * Built here, beside the routes that serve them.
 */
export function callbackUrls(base: string, provider: string, callId: string) {
  return {
    answerUrl: `${base}/telephony/${provider}/answer/${callId}`,
    statusCallbackUrl: `${base}/telephony/${provider}/status/${callId}`,
    answeringMachineUrl: `${base}/telephony/${provider}/amd/${callId}`,
  };
}

/** Where a carrier reports on a transfer's destination leg. */
export function transferCallbackUrl(base: string, provider: string, transferId: string): string {
  return `${base}/telephony/${provider}/transfers/${transferId}`;
}

/** The carriers' answer, status and transfer callbacks for calls they were given. */
export function registerCallWebhooks(
  carrier: PatchbayApp,
  context: ServerContext,
  transfers: Transfers,
): void {
  const { sql } = context.database;
  const { logger } = context;

  carrier.post(
    '/telephony/:provider/answer/:callId',
    { schema: { params: z.object({ provider: z.string(), callId: z.string() }) } },
    async (request, reply) => {
      const { call, provider } = await verifiedCallWebhook(
        context,
        request,
        request.params.provider,
        request.params.callId,
      );
      const base = context.carrierBaseUrl(call.provider);
      const urls = callbackUrls(base, call.provider, call.id);
      const answer = await provider.answerCall({
        callId: call.carrier_call_id ?? call.id,
        direction: call.direction,
        from: call.from_address,
        to: call.to_address,
        mediaStreamUrl: await mediaStreamUrl(
          context.registry,
          context.mediaTokens,
          base,
          call.provider,
          call.id,
        ),
        statusCallbackUrl: urls.statusCallbackUrl,
        customParameters: { patchbayCallId: call.id },
      });
      return sendWebhookResponse(reply, answer);
    },
  );
  carrier.post(
    '/telephony/:provider/status/:callId',
    { schema: { params: z.object({ provider: z.string(), callId: z.string() }) } },
    async (request, reply) => {
      const { call, provider, webhook } = await verifiedCallWebhook(
        context,
        request,
        request.params.provider,
        request.params.callId,
      );
      const update = provider.parseStatusCallback(webhook);
      const outcome = await recordCallStatus(context, call.id, update);
      logger.info({ callId: call.id, status: update.status, outcome }, 'call status');
      // Some carriers report detection with the call's events (Telnyx, Twilio's sync AMD).
      if (update.answeringMachine)
        await recordAnsweringMachine(context, call.id, update.answeringMachine);
      return reply.code(204).send();
    },
  );
  carrier.post(
    '/telephony/:provider/amd/:callId',
    { schema: { params: z.object({ provider: z.string(), callId: z.string() }) } },
    async (request, reply) => {
      const { call, provider, webhook } = await verifiedCallWebhook(
        context,
        request,
        request.params.provider,
        request.params.callId,
      );
      const result = provider.parseAnsweringMachineResult(webhook);
      if (!result)
        throw new ServerError('bad_request', 'No answering-machine result in this callback');
      const outcome = await recordAnsweringMachine(context, call.id, result);
      logger.info({ callId: call.id, answeredBy: result.answeredBy, outcome }, 'answering machine');
      return reply.code(204).send();
    },
  );
  carrier.post(
    '/telephony/:provider/transfers/:transferId',
    { schema: { params: z.object({ provider: z.string(), transferId: z.string() }) } },
    async (request, reply) => {
      const { transferId } = request.params;
      const callId = isUuid(transferId) ? await callIdOfTransfer(sql, transferId) : undefined;
      if (!callId) throw new ServerError('not_found', 'No such transfer');
      const { call, provider, webhook } = await verifiedCallWebhook(
        context,
        request,
        request.params.provider,
        callId,
      );
      const result = provider.parseTransferCallback(webhook, transferId);
      const outcome = await transfers.record(result, call.configuration_id!);
      logger.info(
        { callId: call.id, transferId, status: result.status, outcome },
        'transfer report',
      );
      return reply.code(204).send();
    },
  );
}
