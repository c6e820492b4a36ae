import {
  type AnswerCallRequest,
  type CallCost,
  type CallDetails,
  type CallInitiation,
  type CallStatusUpdate,
  CarrierApiError,
  type ConnectTransferRequest,
  type CredentialCheck,
  emptyResponse,
  InvalidPayloadError,
  type OwnedPhoneNumber,
  type PlaceCallRequest,
  type ProviderSpec,
  type SetupChecklist,
  type SyncResult,
  type TelephonyProvider,
  type TransferRequest,
  type TransferResult,
  UnsupportedFeatureError,
  type WebhookRequest,
  WebhookSignatureError,
} from '@patchbay/core';
import { setupChecklist } from '@patchbay/core/provider-utils';
import type { AriClient } from 'ari-client';
import { type AriConfig, type AriConfigInput, ariConfigSchema, ariUiFields } from './ari-config.js';
import { callAri, callAriIgnoringMissing, connectAri } from './ari-connection.js';
import { AriEventSource, type AriReconnectPolicy } from './ari-event-source.js';
import { ARI_AUDIO, AriMediaSerializer } from './ari-media-serializer.js';
import {
  bridgeId,
  encodeMediaArgument,
  mediaChannelId,
  OUTBOUND_ARG,
  TRANSFER_ARG,
  transferChannelId,
} from './ari-naming.js';
import { ariChannelStatus, ariEndStatus, ariTransferStatus } from './ari-status.js';
import { type AsteriskTarget, ariTarget, withStasisApplication } from './asterisk-target.js';

/** Options of {@link ari}. */
export interface AriSettings {
  /** Send MARK_MEDIA for marks (Asterisk 2025-11 releases and later); otherwise the bridge clocks marks itself. */
  readonly mediaMarks?: boolean;
  /** Events connection backoff. */
  readonly reconnect?: AriReconnectPolicy;
}

type Json = Record<string, unknown>;

/** ARI events forwarded as JSON: their channel and what happened. */
function ariEvent(
  request: WebhookRequest,
  source: string,
): { type: string; channel: Json; cause?: number; args: string[] } {
  const body = request.json as Json | undefined;
  const channel = body?.['channel'] as Json | undefined;
  if (!body || typeof body['type'] !== 'string' || !channel || typeof channel['id'] !== 'string') {
    throw new InvalidPayloadError(source, 'expected an ARI event with type and channel');
  }
  return {
    type: body['type'],
    channel,
    ...(typeof body['cause'] === 'number' ? { cause: body['cause'] } : {}),
    args: Array.isArray(body['args']) ? (body['args'] as string[]) : [],
  };
}

/**
 * Calls on one Asterisk Stasis application. Exported through
 * {@link createAsteriskProvider} so packages that front another PBX with
 * Asterisk share it rather than copy it.
 */
class AsteriskProvider implements TelephonyProvider {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly capabilities = {
    transfers: true,
    answeringMachineDetection: false,
    callCost: false,
    phoneNumberListing: false,
    phoneNumberProvisioning: false,
    inboundBinding: false,
  } as const;
  private client: Promise<AriClient> | undefined;

  constructor(private readonly target: AsteriskTarget) {
    this.provider = target.provider;
  }

  private call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    return callAri(operation, work, this.target.provider, this.target);
  }

  private callIgnoringMissing(operation: string, work: () => Promise<unknown>): Promise<void> {
    return callAriIgnoringMissing(operation, work, this.target.provider, this.target);
  }

  /** One ari-client per provider, connected on first use; a failed connect is retried next time. */
  private rest(): Promise<AriClient> {
    this.client ??= connectAri(this.target).catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  async placeCall(request: PlaceCallRequest): Promise<CallInitiation> {
    if (request.answeringMachineDetection)
      throw new UnsupportedFeatureError(
        this.provider,
        'answering-machine-detection',
        "use Asterisk's AMD() in the dialplan",
      );
    // A destination the target refuses is the caller's mistake, not Asterisk's: check it first.
    const endpoint = this.target.dialString(request.to);
    const callerId = request.from || this.target.defaultCallerId;
    const client = await this.rest();
    const media = new URL(request.mediaStreamUrl);
    for (const [name, value] of Object.entries(request.customParameters ?? {}))
      media.searchParams.set(name, value);
    const channel = (await this.call('originate', () =>
      client.channels['originate']!({
        endpoint,
        app: this.target.stasisApp,
        // The media URL rides with the call, so whichever process holds the events socket can start it.
        appArgs: `${OUTBOUND_ARG},${encodeMediaArgument(media.toString())}`,
        ...(callerId ? { callerId } : {}),
        ...(request.ringTimeoutSeconds === undefined
          ? {}
          : { timeout: request.ringTimeoutSeconds }),
      }),
    )) as Json;
    return {
      callId: String(channel['id']),
      status: 'initiated',
      from: callerId ?? '',
      to: request.to,
      metadata: { channelName: channel['name'] },
      warnings: [],
    };
  }

  /**
   * Not at save: an Asterisk is often configured before it runs, and the
   * event connection proves the ARI user on every connect, its state shown
   * on the configuration. There is no shared account to claim either.
   */
  async verifyCredentials(): Promise<CredentialCheck> {
    return {
      verified: false,
      reason: 'the event connection to Asterisk proves the ARI credentials when it opens',
    };
  }

  async getCall(callId: string): Promise<CallDetails> {
    const client = await this.rest();
    try {
      const channel = (await this.call('get call', () =>
        client.channels['get']!({ channelId: callId }),
      )) as Json;
      const state = String(channel['state']);
      return { callId, status: ariChannelStatus(state), carrierStatus: state };
    } catch (error) {
      // A channel that no longer exists has ended.
      if (CarrierApiError.isInstance(error) && error.statusCode === 404)
        return { callId, status: 'completed', carrierStatus: 'gone' };
      throw error;
    }
  }

  async hangUp(callId: string): Promise<void> {
    const client = await this.rest();
    await this.callIgnoringMissing('hang up', () =>
      client.channels['hangup']!({ channelId: callId, reason: 'normal' }),
    );
  }

  async getCallCost(): Promise<CallCost> {
    throw new UnsupportedFeatureError(this.provider, 'call-cost', 'a PBX reports no per-call cost');
  }

  async listPhoneNumbers(): Promise<OwnedPhoneNumber[]> {
    throw new UnsupportedFeatureError(
      this.provider,
      'phone-number-listing',
      'extensions and numbers live in the PBX dialplan',
    );
  }

  /** A PBX routes whatever its dialplan says: nothing to check, and said so explicitly. */
  async validatePhoneNumber(): Promise<SyncResult> {
    return {
      ok: true,
      message: 'Asterisk routes by its dialplan; Patchbay cannot check ownership',
    };
  }

  async provisionPhoneNumber(): Promise<SyncResult> {
    throw new UnsupportedFeatureError(this.provider, 'phone-number-provisioning');
  }

  async bindInbound(): Promise<SyncResult> {
    throw new UnsupportedFeatureError(
      this.provider,
      'inbound-binding',
      `calls reach Patchbay through Stasis(${this.target.stasisApp}) in the dialplan`,
    );
  }

  /** ARI sends no webhooks: its events come over the authenticated events socket. */
  async verifyWebhook(request: WebhookRequest): Promise<void> {
    throw new WebhookSignatureError(this.provider, 'not-configured', {
      url: request.url,
      hint: 'Asterisk ARI sends no webhooks; its events arrive on the Stasis events connection',
    });
  }

  /** Inbound calls are answered on the events connection; there is no answer webhook. */
  async answerCall(_request: AnswerCallRequest) {
    return emptyResponse(204);
  }

  parseStatusCallback(request: WebhookRequest): CallStatusUpdate {
    const event = ariEvent(request, 'ARI event');
    const callId = String(event.channel['id']);
    const state = String(event.channel['state'] ?? '');
    // ChannelDestroyed carries the channel's last state: Up means it was answered.
    const status =
      event.type === 'ChannelDestroyed' || event.type === 'StasisEnd'
        ? ariEndStatus({ cause: event.cause, answered: state === 'Up' })
        : event.type === 'StasisStart'
          ? 'in-progress'
          : ariChannelStatus(state);
    return { callId, status, carrierStatus: `${event.type}:${event.cause ?? state}`, metadata: {} };
  }

  parseAnsweringMachineResult(): undefined {
    return undefined;
  }

  async transferCall(request: TransferRequest): Promise<TransferResult> {
    const endpoint = this.target.dialString(request.destination);
    const client = await this.rest();
    const legId = transferChannelId(request.transferId);
    await this.call('dial transfer destination', () =>
      client.channels['originate']!({
        endpoint,
        app: this.target.stasisApp,
        appArgs: `${TRANSFER_ARG},${request.transferId}`,
        channelId: legId,
        timeout: request.timeoutSeconds,
        ...(request.from ? { callerId: request.from } : {}),
      }),
    );
    return { transferId: request.transferId, status: 'pending', legCallId: legId, metadata: {} };
  }

  /**
   * Swaps the agent's media out of the caller's bridge for the destination.
   * The media channel is left for the host to end by closing its socket
   * (the media bridge's `close('transferred')`): hanging it up here would close
   * the socket before the host has told the agent the transfer connected.
   */
  async connectTransfer(request: ConnectTransferRequest): Promise<void> {
    const client = await this.rest();
    const bridge = bridgeId(request.callId);
    const leg = request.legCallId ?? transferChannelId(request.transferId);
    await this.call('bridge destination', () =>
      client.bridges['addChannel']!({ bridgeId: bridge, channel: leg }),
    );
    await this.callIgnoringMissing('remove media', () =>
      client.bridges['removeChannel']!({
        bridgeId: bridge,
        channel: mediaChannelId(request.callId),
      }),
    );
  }

  parseTransferCallback(request: WebhookRequest, transferId: string): TransferResult {
    const event = ariEvent(request, 'ARI transfer event');
    const status =
      event.type === 'StasisStart'
        ? 'answered'
        : event.type === 'ChannelDestroyed'
          ? ariTransferStatus({ cause: event.cause })
          : 'pending';
    return { transferId, status, legCallId: String(event.channel['id']), metadata: {} };
  }

  sipConnectivity(): undefined {
    return undefined;
  }
}

/**
 * What an Asterisk configuration's readiness says of its credentials, which
 * no save can check (see `verifyCredentials`); the 3CX bridge shares it.
 */
export function asteriskSetupChecklist(docsUrl?: string): SetupChecklist {
  return setupChecklist(
    [
      {
        key: 'ari-credentials',
        title: 'Asterisk accepts the ARI user',
        description:
          'Patchbay does not check the ARI user and password when you save: the event connection proves them each time it opens. The configuration’s connection state shows the outcome ("connected", or why not).',
        complete: true,
        blocksOutbound: false,
      },
    ],
    docsUrl,
  );
}

/**
 * The Asterisk ARI provider spec. Register it with `createRegistry([ari()])`;
 * the host starts `spec.eventSource(config, context)` once per configuration.
 */
export function ari(settings: AriSettings = {}): ProviderSpec<AriConfig, AriConfigInput> {
  return {
    specificationVersion: 'v1',
    name: 'ari',
    displayName: 'Asterisk (ARI)',
    description: 'Your own Asterisk, through a Stasis application and chan_websocket media.',
    docsUrl: 'https://docs.asterisk.org/Configuration/Interfaces/Asterisk-REST-Interface-ARI/',
    configSchema: ariConfigSchema,
    ui: ariUiFields,
    audio: ARI_AUDIO,
    connectivity: 'sip',
    requiresCallerId: false,
    setupChecklist: () =>
      asteriskSetupChecklist(
        'https://docs.asterisk.org/Configuration/Interfaces/Asterisk-REST-Interface-ARI/',
      ),
    inbound: {
      // ARI calls arrive on the events connection, never as webhooks.
      matches: () => false,
      parse: () => {
        throw new InvalidPayloadError('ARI webhook', 'Asterisk ARI sends no inbound webhooks');
      },
      reject: () => emptyResponse(204),
    },
    hooks: {
      beforeSave: async (next, previous) => withStasisApplication(next, previous),
    },
    media: {
      createSerializer: () => new AriMediaSerializer(settings.mediaMarks ?? true),
      // websocket_client.conf holds a fixed URI; Asterisk appends the call's query to it.
      urlParameters: 'query',
    },
    create: (config) => new AsteriskProvider(ariTarget(config)),
    eventSource: (config, context) =>
      new AriEventSource(ariTarget(config), context.logger, settings.reconnect),
  };
}

/** Calls through ARI on any {@link AsteriskTarget}; the `ari` spec uses it for its configurations. */
export function createAsteriskProvider(target: AsteriskTarget): TelephonyProvider {
  return new AsteriskProvider(target);
}
