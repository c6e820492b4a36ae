import {
  type AnswerCallRequest,
  type AnsweringMachineResult,
  type CallCost,
  type CallDetails,
  type CallInitiation,
  type CallStatusUpdate,
  CarrierApiError,
  ConfigurationError,
  type ConnectTransferRequest,
  type CredentialCheck,
  type InboundBinding,
  InvalidPayloadError,
  type Logger,
  type OwnedPhoneNumber,
  type PlaceCallRequest,
  type ProviderContext,
  type ProviderSpec,
  type SyncResult,
  type TelephonyProvider,
  type TransferRequest,
  type TransferResult,
  UnsupportedFeatureError,
  type WebhookRequest,
  type WebhookResponse,
  xmlResponse,
} from '@patchbay/core';
import {
  callTwilio,
  createTwilioClient,
  type TwilioClient,
  type TwilioClientSettings,
} from './twilio-client.js';
import {
  type TwilioConfig,
  type TwilioConfigInput,
  twilioConfigSchema,
  twilioUiFields,
} from './twilio-config.js';
import { twilioAddress, twilioInbound } from './twilio-inbound.js';
import { conferenceTwiml, connectStreamTwiml, transferConferenceName } from './twilio-markup.js';
import { TWILIO_AUDIO, TwilioMediaSerializer } from './twilio-media-serializer.js';
import { verifyTwilioSignature } from './twilio-signature.js';
import {
  createTwilioStatusMapper,
  twilioMachineResult,
  twilioTransferStatus,
} from './twilio-status.js';

/** Options of {@link twilio}. */
export interface TwilioSettings extends TwilioClientSettings {
  /** Spoken to a transfer's destination before the caller joins; nothing by default. */
  readonly transferAnnouncement?: string;
}

// The four documented StatusCallbackEvent values; terminal outcomes arrive as "completed".
const STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

function formOf(request: WebhookRequest, source: string): URLSearchParams {
  if (!request.form) throw new InvalidPayloadError(source, 'expected a form-encoded body');
  return request.form;
}

function requiredField(form: URLSearchParams, name: string, source: string): string {
  const value = form.get(name);
  if (!value) throw new InvalidPayloadError(source, `the ${name} field is missing`);
  return value;
}

function isoTime(value: string | null | undefined | Date): string | undefined {
  if (!value) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function direction(value: string | null | undefined): 'inbound' | 'outbound' | undefined {
  if (!value) return undefined;
  return value === 'inbound' ? 'inbound' : 'outbound';
}

class TwilioProvider implements TelephonyProvider {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'twilio';
  readonly capabilities = {
    transfers: true,
    answeringMachineDetection: true,
    callCost: true,
    phoneNumberListing: true,
    phoneNumberProvisioning: false,
    inboundBinding: true,
  } as const;
  private readonly client: TwilioClient;
  private readonly mapStatus: ReturnType<typeof createTwilioStatusMapper>;

  constructor(
    private readonly config: TwilioConfig,
    private readonly settings: TwilioSettings,
    logger: Logger,
  ) {
    this.client = createTwilioClient(config.account_sid, config.auth_token, settings);
    this.mapStatus = createTwilioStatusMapper(logger);
  }

  async placeCall(request: PlaceCallRequest): Promise<CallInitiation> {
    if (!request.from) {
      throw new ConfigurationError('Twilio needs a caller ID (from) for outbound calls', {
        code: 'caller_id_required',
      });
    }
    const detection =
      request.answeringMachineDetection ??
      (this.config.amd_enabled
        ? { mode: 'detect' as const, callbackUrl: request.statusCallbackUrl }
        : undefined);
    const call = await callTwilio('place call', () =>
      this.client.calls.create({
        to: request.to,
        from: request.from!,
        url: request.answerUrl,
        method: 'POST',
        statusCallback: request.statusCallbackUrl,
        statusCallbackEvent: STATUS_EVENTS,
        statusCallbackMethod: 'POST',
        ...(request.ringTimeoutSeconds === undefined
          ? {}
          : { timeout: request.ringTimeoutSeconds }),
        ...(detection
          ? {
              // Asynchronous: the call connects at once and the verdict follows by callback.
              machineDetection: detection.mode === 'detect-beep' ? 'DetectMessageEnd' : 'Enable',
              asyncAmd: 'true',
              asyncAmdStatusCallback: detection.callbackUrl,
              asyncAmdStatusCallbackMethod: 'POST',
            }
          : {}),
      }),
    );
    return {
      callId: call.sid,
      status: this.mapStatus(call.status ?? 'queued'),
      from: call.from ?? request.from,
      to: call.to ?? request.to,
      metadata: { accountSid: call.accountSid },
      warnings: [],
    };
  }

  /** The account resource: the cheapest request the Account SID and Auth Token must open. */
  async verifyCredentials(): Promise<CredentialCheck> {
    await callTwilio('verify credentials', () =>
      this.client.api.v2010.accounts(this.config.account_sid).fetch(),
    );
    return { verified: true };
  }

  async getCall(callId: string): Promise<CallDetails> {
    const call = await callTwilio('get call', () => this.client.calls(callId).fetch());
    const duration =
      call.duration === null || call.duration === undefined ? undefined : Number(call.duration);
    const startedAt = isoTime(call.startTime);
    const endedAt = isoTime(call.endTime);
    const callDirection = direction(call.direction);
    return {
      callId: call.sid,
      status: this.mapStatus(call.status),
      carrierStatus: call.status,
      ...(call.from ? { from: twilioAddress(call.from) } : {}),
      ...(call.to ? { to: twilioAddress(call.to) } : {}),
      ...(callDirection ? { direction: callDirection } : {}),
      ...(startedAt ? { startedAt } : {}),
      ...(endedAt ? { endedAt } : {}),
      ...(duration !== undefined && Number.isFinite(duration) ? { durationSeconds: duration } : {}),
    };
  }

  async hangUp(callId: string): Promise<void> {
    try {
      await callTwilio('hang up', () => this.client.calls(callId).update({ status: 'completed' }));
    } catch (error) {
      // 404: the call is already over, which is what was asked.
      if (CarrierApiError.isInstance(error) && error.statusCode === 404) return;
      throw error;
    }
  }

  async getCallCost(callId: string): Promise<CallCost> {
    const call = await callTwilio('get call cost', () => this.client.calls(callId).fetch());
    if (call.price === null || call.price === undefined || call.price === '') {
      throw new CarrierApiError({
        provider: 'twilio',
        operation: 'get call cost',
        message: 'Twilio has not priced this call yet; try again after it ends',
        isRetryable: true,
      });
    }
    // Twilio reports charges as negative amounts; a live call has no duration yet.
    return {
      callId,
      amount: Math.abs(Number(call.price)),
      currency: (call.priceUnit ?? 'USD').toUpperCase(),
      durationSeconds: call.duration ? Number(call.duration) : 0,
    };
  }

  async listPhoneNumbers(): Promise<OwnedPhoneNumber[]> {
    const numbers = await callTwilio('list phone numbers', () =>
      this.client.incomingPhoneNumbers.list({ limit: 1000 }),
    );
    return numbers.map((number) => ({
      address: twilioAddress(number.phoneNumber),
      carrierId: number.sid,
      capabilities: (['voice', 'sms', 'mms', 'fax'] as const).filter(
        (kind) => (number.capabilities as unknown as Record<string, boolean> | undefined)?.[kind],
      ),
    }));
  }

  private async findNumber(address: string) {
    const matches = await callTwilio('look up phone number', () =>
      this.client.incomingPhoneNumbers.list({ phoneNumber: address, limit: 20 }),
    );
    return matches.find((number) => number.phoneNumber === address);
  }

  async validatePhoneNumber(address: string): Promise<SyncResult> {
    if (!address.startsWith('+'))
      return { ok: true, message: 'Not a phone number; Twilio has nothing to check' };
    return (await this.findNumber(address))
      ? { ok: true }
      : {
          ok: false,
          message: `${address} is not a phone number of Twilio account ${this.config.account_sid}`,
        };
  }

  async provisionPhoneNumber(): Promise<SyncResult> {
    throw new UnsupportedFeatureError(
      'twilio',
      'phone-number-provisioning',
      'buy numbers in the Twilio Console',
    );
  }

  async bindInbound(address: string, binding: InboundBinding | null): Promise<SyncResult> {
    const number = await this.findNumber(address);
    if (!number) {
      return binding === null
        ? { ok: true, message: `${address} is no longer on the account` }
        : { ok: false, message: `${address} is not a phone number of this Twilio account` };
    }
    await callTwilio('bind inbound webhook', () =>
      this.client.incomingPhoneNumbers(number.sid).update(
        binding === null
          ? { voiceUrl: '', statusCallback: '' }
          : {
              voiceUrl: binding.webhookUrl,
              voiceMethod: 'POST',
              statusCallback: binding.statusCallbackUrl ?? '',
              statusCallbackMethod: 'POST',
            },
      ),
    );
    return { ok: true };
  }

  async verifyWebhook(request: WebhookRequest): Promise<void> {
    verifyTwilioSignature(this.config.auth_token, request);
  }

  async answerCall(request: AnswerCallRequest): Promise<WebhookResponse> {
    return xmlResponse(
      connectStreamTwiml({
        mediaStreamUrl: request.mediaStreamUrl,
        // Outbound calls already report through the call's StatusCallback; an
        // inbound call's only callback is the stream's.
        ...(request.direction === 'inbound'
          ? { statusCallbackUrl: request.statusCallbackUrl }
          : {}),
        customParameters: request.customParameters,
      }),
    );
  }

  parseStatusCallback(request: WebhookRequest): CallStatusUpdate {
    const source = 'Twilio status callback';
    const form = formOf(request, source);
    const callId = requiredField(form, 'CallSid', source);
    const callStatus = form.get('CallStatus');
    const streamEvent = form.get('StreamEvent');
    const answeredBy = form.get('AnsweredBy');
    if (!callStatus && !streamEvent && !answeredBy) {
      throw new InvalidPayloadError(
        source,
        'neither CallStatus, StreamEvent nor AnsweredBy is present',
      );
    }
    // A stream's start or stop is not the call's: a transfer ends the stream and keeps the call.
    const status = callStatus ? this.mapStatus(callStatus) : 'in-progress';
    const duration = form.get('CallDuration') ?? form.get('Duration');
    const occurredAt = isoTime(form.get('Timestamp'));
    const callDirection = direction(form.get('Direction'));
    const reason = form.get('SipResponseCode') ?? form.get('ErrorCode') ?? form.get('StreamError');
    const from = form.get('From');
    const to = form.get('To');
    return {
      callId,
      status,
      carrierStatus: callStatus ?? (streamEvent ? `stream:${streamEvent}` : `amd:${answeredBy}`),
      ...(duration && Number.isFinite(Number(duration))
        ? { durationSeconds: Number(duration) }
        : {}),
      ...(from ? { from: twilioAddress(from) } : {}),
      ...(to ? { to: twilioAddress(to) } : {}),
      ...(callDirection ? { direction: callDirection } : {}),
      ...(occurredAt ? { occurredAt } : {}),
      ...(reason ? { reason } : {}),
      ...(answeredBy
        ? {
            answeringMachine: twilioMachineResult(callId, answeredBy),
          }
        : {}),
      metadata: streamEvent ? { streamEvent, streamSid: form.get('StreamSid') } : {},
    };
  }

  parseAnsweringMachineResult(request: WebhookRequest): AnsweringMachineResult | undefined {
    const form = request.form;
    const label = form?.get('AnsweredBy');
    const callId = form?.get('CallSid');
    if (!label || !callId) return undefined;
    return twilioMachineResult(callId, label);
  }

  async transferCall(request: TransferRequest): Promise<TransferResult> {
    if (!request.from) {
      throw new ConfigurationError('Twilio needs a caller ID (from) on the transfer leg', {
        code: 'caller_id_required',
      });
    }
    const conference = transferConferenceName(request.transferId);
    const leg = await callTwilio('dial transfer destination', () =>
      this.client.calls.create({
        to: request.destination,
        from: request.from!,
        timeout: request.timeoutSeconds,
        twiml: conferenceTwiml(conference, this.settings.transferAnnouncement),
        statusCallback: request.statusCallbackUrl,
        statusCallbackEvent: STATUS_EVENTS,
        statusCallbackMethod: 'POST',
      }),
    );
    return {
      transferId: request.transferId,
      status: 'pending',
      legCallId: leg.sid,
      metadata: { conference },
    };
  }

  async connectTransfer(request: ConnectTransferRequest): Promise<void> {
    // Replacing the caller's TwiML ends its media stream and joins the conference.
    await callTwilio('connect transfer', () =>
      this.client
        .calls(request.callId)
        .update({ twiml: conferenceTwiml(transferConferenceName(request.transferId)) }),
    );
  }

  parseTransferCallback(request: WebhookRequest, transferId: string): TransferResult {
    const source = 'Twilio transfer callback';
    const form = formOf(request, source);
    const callStatus = requiredField(form, 'CallStatus', source);
    return {
      transferId,
      status: twilioTransferStatus(callStatus),
      legCallId: requiredField(form, 'CallSid', source),
      metadata: { callStatus },
    };
  }

  sipConnectivity(): undefined {
    return undefined;
  }
}

/**
 * The Twilio provider spec. Register it with `createRegistry([twilio()])`.
 *
 * @example
 * const spec = twilio({ transferAnnouncement: 'Connecting you now.' });
 */
export function twilio(
  settings: TwilioSettings = {},
): ProviderSpec<TwilioConfig, TwilioConfigInput> {
  return {
    specificationVersion: 'v1',
    name: 'twilio',
    displayName: 'Twilio',
    description: 'Programmable Voice with bidirectional Media Streams.',
    docsUrl: 'https://www.twilio.com/docs/voice/media-streams',
    configSchema: twilioConfigSchema,
    ui: twilioUiFields,
    audio: TWILIO_AUDIO,
    accountIdField: 'account_sid',
    connectivity: 'api',
    requiresCallerId: true,
    inbound: twilioInbound,
    media: {
      createSerializer: (options) =>
        new TwilioMediaSerializer(
          options?.streamId === undefined ? {} : { streamId: options.streamId },
        ),
    },
    create: (config: TwilioConfig, context: ProviderContext) =>
      new TwilioProvider(config, settings, context.logger),
  };
}
