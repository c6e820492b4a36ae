import { randomBytes } from 'node:crypto';
import {
  type AnswerCallRequest,
  type AnsweringMachineResult,
  type CallCost,
  type CallDetails,
  type CallInitiation,
  type CallStatusUpdate,
  CarrierApiError,
  ConfigurationError,
  type ConfigurationState,
  type ConnectTransferRequest,
  type CredentialCheck,
  type InboundBinding,
  jsonResponse,
  type Logger,
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
  type WebhookResponse,
} from '@patchbay/core';
import { callerIdChecklist, setupChecklist } from '@patchbay/core/provider-utils';
import type Telnyx from 'telnyx';
import {
  callTelnyx,
  createTelnyxClient,
  type TelnyxClientSettings,
  telnyxErrorCodes,
} from './telnyx-client.js';
import { encodeClientState } from './telnyx-client-state.js';
import {
  type TelnyxConfig,
  type TelnyxConfigInput,
  telnyxConfigSchema,
  telnyxUiFields,
} from './telnyx-config.js';
import { telnyxAddress, telnyxInbound } from './telnyx-inbound.js';
import { TELNYX_AUDIO, TelnyxMediaSerializer } from './telnyx-media-serializer.js';
import { verifyTelnyxSignature } from './telnyx-signature.js';
import { telnyxEventStatus, telnyxMachineResult, telnyxTransferStatus } from './telnyx-status.js';
import { readTelnyxEvent } from './telnyx-webhook.js';

/** Options of {@link telnyx}. */
export interface TelnyxSettings extends TelnyxClientSettings {
  /** The clock signatures are checked against (tests pin it). */
  readonly now?: () => Date;
}

// Telnyx's code for "call has already ended" on a call command.
const CALL_ALREADY_ENDED = '90018';

/**
 * Media streaming requested with the call itself: the caller's track to us,
 * our audio back as PCMU over RTP mode ("Start streaming" call command).
 */
function streamingParameters(mediaStreamUrl: string) {
  return {
    stream_url: mediaStreamUrl,
    stream_track: 'inbound_track' as const,
    stream_bidirectional_mode: 'rtp' as const,
    stream_bidirectional_codec: 'PCMU' as const,
  };
}

type Json = Record<string, unknown>;

function telnyxChecklist(config: TelnyxConfig, state: ConfigurationState): SetupChecklist {
  const base = callerIdChecklist(
    'Telnyx',
    state,
    'https://developers.telnyx.com/docs/voice/programmable-voice/media-streaming',
  );
  return setupChecklist(
    [
      ...base.steps,
      {
        key: 'webhook-public-key',
        title: 'Add the webhook public key',
        description:
          'Add the Telnyx webhook public key (Mission Control → Keys & Credentials): without it every Telnyx webhook is refused.',
        complete: Boolean(config.webhook_public_key?.trim()),
        blocksOutbound: true,
      },
    ],
    base.docsUrl,
  );
}

class TelnyxProvider implements TelephonyProvider {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'telnyx';
  readonly capabilities = {
    transfers: true,
    answeringMachineDetection: true,
    callCost: false,
    phoneNumberListing: true,
    phoneNumberProvisioning: false,
    inboundBinding: true,
  } as const;
  private readonly client: Telnyx;

  constructor(
    private readonly config: TelnyxConfig,
    private readonly settings: TelnyxSettings,
    private readonly logger: Logger,
  ) {
    this.client = createTelnyxClient(config.api_key, settings);
  }

  private connectionId(): string {
    if (!this.config.connection_id) {
      throw new ConfigurationError(
        'Telnyx needs a Call Control Application (connection_id); save the configuration to create one',
        { code: 'connection_id_required' },
      );
    }
    return this.config.connection_id;
  }

  async placeCall(request: PlaceCallRequest): Promise<CallInitiation> {
    if (!request.from)
      throw new ConfigurationError('Telnyx needs a caller ID (from) for outbound calls', {
        code: 'caller_id_required',
      });
    const detection = request.answeringMachineDetection;
    const clientState = encodeClientState(request.customParameters ?? {});
    const response = await callTelnyx('place call', () =>
      this.client.calls.dial({
        connection_id: this.connectionId(),
        to: request.to,
        from: request.from!,
        ...streamingParameters(request.mediaStreamUrl),
        webhook_url: request.statusCallbackUrl,
        webhook_url_method: 'POST',
        ...(request.ringTimeoutSeconds === undefined
          ? {}
          : { timeout_secs: request.ringTimeoutSeconds }),
        ...(detection
          ? {
              answering_machine_detection:
                detection.mode === 'detect-beep' ? 'detect_beep' : 'detect',
            }
          : {}),
        ...(clientState ? { client_state: clientState } : {}),
      } as Parameters<Telnyx['calls']['dial']>[0]),
    );
    const data = (response as unknown as { data: Json }).data;
    return {
      callId: String(data['call_control_id']),
      status: 'initiated',
      from: request.from,
      to: request.to,
      metadata: { callLegId: data['call_leg_id'], callSessionId: data['call_session_id'] },
      warnings: [],
    };
  }

  /** The account balance (`GET /v2/balance`): any valid API key may read it, nothing else can. */
  async verifyCredentials(): Promise<CredentialCheck> {
    await callTelnyx('verify credentials', () => this.client.balance.retrieve());
    return { verified: true };
  }

  async getCall(callId: string): Promise<CallDetails> {
    const response = await callTelnyx('get call', () => this.client.calls.retrieveStatus(callId));
    const data = (response as unknown as { data: Json }).data;
    const alive = data['is_alive'] === true;
    const duration = Number(data['call_duration']);
    return {
      callId,
      status: alive ? 'in-progress' : 'completed',
      carrierStatus: alive ? 'alive' : 'ended',
      ...(typeof data['start_time'] === 'string'
        ? { startedAt: new Date(data['start_time']).toISOString() }
        : {}),
      ...(typeof data['end_time'] === 'string'
        ? { endedAt: new Date(data['end_time']).toISOString() }
        : {}),
      ...(Number.isFinite(duration) ? { durationSeconds: duration } : {}),
    };
  }

  async hangUp(callId: string): Promise<void> {
    try {
      await callTelnyx('hang up', () => this.client.calls.actions.hangup(callId, {}));
    } catch (error) {
      const cause = (error as Error).cause;
      const ended =
        CarrierApiError.isInstance(error) &&
        (error.statusCode === 404 || telnyxErrorCodes(cause).includes(CALL_ALREADY_ENDED));
      if (!ended) throw error;
    }
  }

  async getCallCost(): Promise<CallCost> {
    throw new UnsupportedFeatureError(
      'telnyx',
      'call-cost',
      'Call Control does not report per-call cost; use Telnyx detail records',
    );
  }

  async listPhoneNumbers(): Promise<OwnedPhoneNumber[]> {
    const owned: OwnedPhoneNumber[] = [];
    await callTelnyx('list phone numbers', async () => {
      for await (const number of this.client.phoneNumbers.list({ page: { size: 250 } } as never)) {
        const record = number as unknown as Json;
        owned.push({
          address: telnyxAddress(String(record['phone_number'])),
          carrierId: String(record['id']),
        });
      }
    });
    return owned;
  }

  private async findNumber(address: string): Promise<Json | undefined> {
    return callTelnyx('look up phone number', async () => {
      for await (const number of this.client.phoneNumbers.list({
        filter: { phone_number: address },
        page: { size: 100 },
      } as never)) {
        const record = number as unknown as Json;
        if (record['phone_number'] === address) return record;
      }
      return undefined;
    });
  }

  async validatePhoneNumber(address: string): Promise<SyncResult> {
    if (!address.startsWith('+'))
      return { ok: true, message: 'Not a phone number; Telnyx has nothing to check' };
    return (await this.findNumber(address))
      ? { ok: true }
      : { ok: false, message: `${address} is not owned by this Telnyx account` };
  }

  async provisionPhoneNumber(): Promise<SyncResult> {
    throw new UnsupportedFeatureError(
      'telnyx',
      'phone-number-provisioning',
      'order numbers in Mission Control',
    );
  }

  async bindInbound(address: string, binding: InboundBinding | null): Promise<SyncResult> {
    if (binding === null) {
      return {
        ok: true,
        message:
          'The Call Control Application is shared by its numbers; move the number in Mission Control to stop calls reaching it',
      };
    }
    const connectionId = this.connectionId();
    const application = await callTelnyx('read application', () =>
      this.client.callControlApplications.retrieve(connectionId),
    );
    const name = (application as unknown as { data?: Json }).data?.['application_name'];
    if (typeof name !== 'string' || name === '')
      return {
        ok: false,
        message: 'The Call Control Application has no name; Telnyx requires one to update it',
      };
    await callTelnyx('update application', () =>
      this.client.callControlApplications.update(connectionId, {
        application_name: name,
        webhook_event_url: binding.webhookUrl,
      } as never),
    );
    const number = await this.findNumber(address);
    if (!number) return { ok: false, message: `${address} is not owned by this Telnyx account` };
    if (number['connection_id'] !== connectionId) {
      await callTelnyx('assign number', () =>
        this.client.phoneNumbers.update(String(number['id']), {
          connection_id: connectionId,
        } as never),
      );
    }
    return { ok: true };
  }

  async verifyWebhook(request: WebhookRequest): Promise<void> {
    verifyTelnyxSignature(
      this.config.webhook_public_key,
      request,
      this.settings.now?.() ?? new Date(),
    );
  }

  async answerCall(request: AnswerCallRequest): Promise<WebhookResponse> {
    // An outbound call asked for streaming when it was dialed: nothing to answer.
    if (request.direction === 'inbound') {
      const clientState = encodeClientState(request.customParameters);
      await callTelnyx('answer call', () =>
        this.client.calls.actions.answer(request.callId, {
          ...streamingParameters(request.mediaStreamUrl),
          webhook_url: request.statusCallbackUrl,
          webhook_url_method: 'POST',
          ...(clientState ? { client_state: clientState } : {}),
        } as Parameters<Telnyx['calls']['actions']['answer']>[1]),
      );
    }
    return jsonResponse({ status: 'ok' });
  }

  parseStatusCallback(request: WebhookRequest): CallStatusUpdate {
    const event = readTelnyxEvent(request, 'Telnyx call event');
    const payload = event.payload;
    let status = telnyxEventStatus(event.eventType, payload.hangup_cause);
    if (status === undefined) {
      // Streaming and detection events say nothing about the call's state; others are new to us.
      if (
        !/^(streaming|call\.machine|call\.dtmf|call\.playback|call\.speak)/.test(event.eventType)
      ) {
        this.logger.warn(
          { provider: 'telnyx', eventType: event.eventType },
          'unknown Telnyx call event; keeping the call in progress',
        );
      }
      status = 'in-progress';
    }
    const started = payload.start_time ? Date.parse(payload.start_time) : Number.NaN;
    const ended = payload.end_time ? Date.parse(payload.end_time) : Number.NaN;
    const result = payload.result;
    const machine = event.eventType.startsWith('call.machine') && result;
    return {
      callId: payload.call_control_id,
      status,
      carrierStatus: payload.hangup_cause
        ? `${event.eventType}:${payload.hangup_cause}`
        : event.eventType,
      ...(Number.isFinite(started) && Number.isFinite(ended)
        ? { durationSeconds: Math.round((ended - started) / 1000) }
        : {}),
      ...(payload.from ? { from: telnyxAddress(payload.from) } : {}),
      ...(payload.to ? { to: telnyxAddress(payload.to) } : {}),
      ...(payload.direction
        ? {
            direction:
              payload.direction === 'incoming' ? ('inbound' as const) : ('outbound' as const),
          }
        : {}),
      ...(event.occurred_at ? { occurredAt: new Date(event.occurred_at).toISOString() } : {}),
      ...(payload.hangup_cause ? { reason: payload.hangup_cause } : {}),
      ...(machine
        ? {
            answeringMachine: telnyxMachineResult(event.eventType, payload.call_control_id, result),
          }
        : {}),
      metadata: {},
    };
  }

  parseAnsweringMachineResult(request: WebhookRequest): AnsweringMachineResult | undefined {
    try {
      return this.parseStatusCallback(request).answeringMachine;
    } catch {
      return undefined;
    }
  }

  async transferCall(request: TransferRequest): Promise<TransferResult> {
    if (!request.from)
      throw new ConfigurationError('Telnyx needs a caller ID (from) on the transfer leg', {
        code: 'caller_id_required',
      });
    const response = await callTelnyx('dial transfer destination', () =>
      this.client.calls.dial({
        connection_id: this.connectionId(),
        to: request.destination,
        from: request.from!,
        timeout_secs: request.timeoutSeconds,
        webhook_url: request.statusCallbackUrl,
        webhook_url_method: 'POST',
      } as Parameters<Telnyx['calls']['dial']>[0]),
    );
    const leg = String((response as unknown as { data: Json }).data['call_control_id']);
    return {
      transferId: request.transferId,
      status: 'pending',
      legCallId: leg,
      metadata: { conference: `patchbay-transfer-${request.transferId}` },
    };
  }

  async connectTransfer(request: ConnectTransferRequest): Promise<void> {
    if (!request.legCallId) {
      throw new ConfigurationError(
        'Telnyx needs the destination leg (legCallId) to connect a transfer',
        { code: 'transfer_leg_required' },
      );
    }
    const conference = await callTelnyx('create transfer conference', () =>
      this.client.conferences.create({
        call_control_id: request.legCallId!,
        name: `patchbay-transfer-${request.transferId}`,
        start_conference_on_create: true,
      } as never),
    );
    const conferenceId = String((conference as unknown as { data: Json }).data['id']);
    await callTelnyx('join caller to transfer', () =>
      this.client.conferences.actions.join(conferenceId, {
        call_control_id: request.callId,
        end_conference_on_exit: true,
      } as never),
    );
  }

  parseTransferCallback(request: WebhookRequest, transferId: string): TransferResult {
    const event = readTelnyxEvent(request, 'Telnyx transfer event');
    return {
      transferId,
      status: telnyxTransferStatus(event.eventType, event.payload.hangup_cause),
      legCallId: event.payload.call_control_id,
      metadata: { eventType: event.eventType, hangupCause: event.payload.hangup_cause },
    };
  }

  sipConnectivity(): undefined {
    return undefined;
  }
}

/**
 * The Telnyx provider spec. Register it with `createRegistry([telnyx()])`.
 *
 * @example
 * const spec = telnyx({ timeoutMs: 10_000 });
 */
export function telnyx(
  settings: TelnyxSettings = {},
): ProviderSpec<TelnyxConfig, TelnyxConfigInput> {
  const clientFor = (config: TelnyxConfig) => createTelnyxClient(config.api_key, settings);
  return {
    specificationVersion: 'v1',
    name: 'telnyx',
    displayName: 'Telnyx',
    description: 'Telnyx Call Control with bidirectional media streaming.',
    docsUrl: 'https://developers.telnyx.com/docs/voice/programmable-voice/media-streaming',
    configSchema: telnyxConfigSchema,
    ui: telnyxUiFields,
    audio: TELNYX_AUDIO,
    accountIdField: 'connection_id',
    serverManagedFields: [{ path: 'managed_connection_id', accountScoped: true }],
    connectivity: 'api',
    requiresCallerId: true,
    setupChecklist: telnyxChecklist,
    inbound: telnyxInbound,
    hooks: {
      async beforeSave(next, _previous, context) {
        if (next.connection_id) return next;
        const created = await callTelnyx('create application', () =>
          clientFor(next).callControlApplications.create({
            application_name: `patchbay-${randomBytes(6).toString('hex')}`,
            webhook_event_url: context.inboundWebhookUrl,
          } as never),
        );
        const id = (created as unknown as { data?: Json }).data?.['id'];
        if (id === undefined || id === null || id === '') {
          throw new CarrierApiError({
            provider: 'telnyx',
            operation: 'create application',
            message: 'the response has no id',
          });
        }
        return { ...next, connection_id: String(id), managed_connection_id: String(id) };
      },
      async afterDelete(stored) {
        if (!stored.managed_connection_id) return;
        try {
          await callTelnyx('delete application', () =>
            clientFor(stored).callControlApplications.delete(stored.managed_connection_id!),
          );
        } catch (error) {
          if (!(CarrierApiError.isInstance(error) && error.statusCode === 404)) throw error;
        }
      },
    },
    media: { createSerializer: () => new TelnyxMediaSerializer() },
    create: (config, context) => new TelnyxProvider(config, settings, context.logger),
  };
}
