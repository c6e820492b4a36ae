import {
  createMediaBridge,
  type MediaAgent,
  type MediaBridge,
  type MediaBridgeEndReason,
  type ProviderRegistry,
} from '@patchbay/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { recordMediaHealth } from '../services/calls/call-feed.js';
import type { CallLifecycle } from '../services/calls/call-lifecycle.js';
import type { Transfers } from '../services/calls/transfers.js';
import { createWebSocketAgent } from '../services/media/websocket-agent.js';
import type { MediaTokens } from '../services/media-tokens.js';
import type { Recordings } from '../services/recordings.js';
import { callProvider, type ServerContext } from '../services/server-context.js';
import { type MediaCallRow, mediaCall } from '../storage/call-store.js';
import { isUuid } from '../storage/owned.js';
import type { PatchbayApp } from './app.js';

/**
 * The media URL of a call, carrying a fresh single-use token where the
 * provider's spec says (`media.urlParameters`): in the path for carriers
 * that drop query strings (Twilio), in the query for those that append it
 * to a fixed URI (Asterisk).
 */
export async function mediaStreamUrl(
  registry: ProviderRegistry,
  mediaTokens: MediaTokens,
  publicBaseUrl: string,
  provider: string,
  callId: string,
): Promise<string> {
  const token = await mediaTokens.issue({ callId, provider });
  const base = `${publicBaseUrl.replace(/^http/, 'ws')}/telephony/${provider}/media`;
  return registry.get(provider).media.urlParameters === 'query'
    ? `${base}?call=${callId}&token=${token}`
    : `${base}/${callId}/${token}`;
}

/** The agent, plus the server's own bookkeeping when its media starts and ends. */
function withBookkeeping(
  agent: MediaAgent,
  started: () => void,
  ended: (reason: MediaBridgeEndReason) => void,
): MediaAgent {
  return {
    ...agent,
    start(info) {
      agent.start?.(info);
      started();
    },
    stop(reason) {
      agent.stop?.(reason);
      ended(reason);
    },
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The call a media socket was admitted for, once its token is redeemed. */
    mediaCall: MediaCallRow | null;
  }
}

/** Live media bridges, so a shutdown can let them finish. */
export interface MediaSockets {
  readonly live: number;
  /** Resolves when every bridge has ended, or after `graceMs` (then closes what is left). */
  drain(graceMs: number): Promise<void>;
}

/**
 * Carrier media WebSockets at /telephony/<provider>/media/<call>/<token>
 * (or `…/media?call=&token=` for Asterisk's media client, which appends a
 * query to a fixed URL). The token is redeemed (valid, this call's, unused)
 * before the upgrade, so no audio flows on a socket that was not admitted;
 * then the provider's serializer and the core media bridge join it to the
 * call's agent.
 */
export function registerMediaRoutes(
  carrier: PatchbayApp,
  context: ServerContext,
  transfers: Transfers,
  lifecycle: CallLifecycle,
  recordings: Recordings,
): MediaSockets {
  const { database, registry, mediaTokens, logger } = context;
  const bridges = new Set<MediaBridge>();
  /** One live media socket per call: the newest replaces any other. */
  const byCall = new Map<string, MediaBridge>();
  const previousReplaced = new WeakSet<MediaBridge>();
  let drained: (() => void) | undefined;

  /** Before the upgrade: the call exists for this carrier and the token is its, unused. */
  async function admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const params = request.params as { provider: string; callId?: string; token?: string };
    const query = request.query as { call?: string; token?: string };
    const provider = params.provider;
    const callId = params.callId ?? query.call ?? '';
    const token = params.token ?? query.token ?? '';
    const call = isUuid(callId) ? await mediaCall(database.sql, callId) : undefined;
    if (!call || call.provider !== provider || registry.find(provider) === undefined) {
      await reply.code(404).send();
      return;
    }
    if (!(await mediaTokens.redeem(database.sql, token, { callId: call.id, provider }))) {
      logger.warn({ callId: call.id, provider }, 'media socket refused: bad or used token');
      await reply.code(401).send();
      return;
    }
    request.mediaCall = call;
  }

  /** After the upgrade: the socket joined to the call's agent through a media bridge. */
  function join(ws: WebSocket, request: FastifyRequest): void {
    const call = request.mediaCall!;
    const provider = call.provider;
    const serializer = registry.get(provider).media.createSerializer();
    const sampleRate = call.sample_rate ?? 16000;
    // The bridge's own clock, so the recording's timeline is the media's.
    const recording = call.record_calls
      ? recordings.start(call.id, sampleRate, () => performance.now())
      : undefined;
    let bridge: MediaBridge | undefined;
    let unsubscribe = () => {};
    const started = () => {
      lifecycle
        .mediaStarted(call.id)
        .catch((error: unknown) =>
          logger.error({ callId: call.id, error: String(error) }, 'recording media start failed'),
        );
    };
    const ended = (reason: MediaBridgeEndReason) => {
      unsubscribe();
      if (bridge) bridges.delete(bridge);
      if (byCall.get(call.id) === bridge) byCall.delete(call.id);
      logger.info({ callId: call.id, reason }, 'media ended');
      if (bridges.size === 0) drained?.();
      void recording?.stop();
      if (replaced || (bridge && previousReplaced.has(bridge))) return; // another socket carries the call now
      if (bridge) void recordMediaHealth(context, call.id, call.provider, bridge.health);
      // The agent hung up: not every carrier ends the call when its stream closes
      // (Telnyx streams a fork of the call), so end it through the carrier's API too.
      if (reason === 'hang-up' && call.carrier_call_id)
        void callProvider(context, call.configuration_id)
          .then((provider) =>
            context.metrics.timeCarrier(call.provider, 'hang up', () =>
              provider.hangUp(call.carrier_call_id!),
            ),
          )
          .catch((error: unknown) =>
            logger.error(
              { callId: call.id, error: String(error) },
              'hanging up after the agent failed',
            ),
          );
      // After a transfer the call goes on at the carrier without media.
      if (reason !== 'transferred')
        lifecycle
          .mediaEnded(call.id)
          .catch((error: unknown) =>
            logger.error({ callId: call.id, error: String(error) }, 'recording media end failed'),
          );
    };
    let replaced = false;
    const websocketAgent =
      call.kind === 'websocket' && call.url
        ? createWebSocketAgent({
            url: call.url,
            sampleRate,
            call: {
              callId: call.id,
              direction: call.direction,
              from: call.from_address,
              to: call.to_address,
            },
            bridge: () => bridge,
            requestTransfer: async (request) => {
              await transfers.start(call.id, request, 'agent');
            },
            logger,
          })
        : undefined;
    const agent: MediaAgent = websocketAgent ?? {
      // The built-in echo: the caller hears themself, paced like any agent.
      audio: (samples) => bridge?.sendAudio(samples),
      start: (info) => logger.info({ callId: call.id, stream: info.streamId }, 'media started'),
    };
    bridge = createMediaBridge({
      socket: ws,
      serializer,
      agentSampleRate: sampleRate,
      ...(recording ? { tap: recording.tap } : {}),
      logger,
      agent: withBookkeeping(agent, started, ended),
    });
    const joined = bridge;
    // A transfer's steps may be reported to any process; this one holds the media.
    unsubscribe = context.signals.subscribe(call.id, (signal) => {
      if (signal.type === 'media-taken') {
        if (signal.instanceId !== lifecycle.instanceId) {
          replaced = true;
          joined.close();
        }
        return;
      }
      if (signal.type === 'amd') {
        websocketAgent?.answeringMachine(signal);
        return;
      }
      websocketAgent?.transferUpdate(signal);
      if (signal.status === 'connected') joined.close('transferred');
    });
    if (joined.ended) {
      unsubscribe();
      return;
    }
    bridges.add(bridge);
    // A retried webhook can mint a second media token: the newest socket wins.
    const previous = byCall.get(call.id);
    byCall.set(call.id, joined);
    if (previous) {
      logger.warn({ callId: call.id }, 'a second media socket for the call replaces the first');
      previousReplaced.add(previous);
      previous.close();
    }
    void context.signals
      .publish({ callId: call.id, type: 'media-taken', instanceId: lifecycle.instanceId })
      .catch(() => {});
  }

  const route = { websocket: true, preValidation: admit } as const;
  carrier.get('/telephony/:provider/media/:callId/:token', route, join);
  carrier.get('/telephony/:provider/media', route, join);

  return {
    get live() {
      return bridges.size;
    },
    async drain(graceMs) {
      if (bridges.size > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            drained = resolve;
          }),
          new Promise((resolve) => setTimeout(resolve, graceMs)),
        ]);
      }
      for (const bridge of bridges) bridge.close();
    },
  };
}
