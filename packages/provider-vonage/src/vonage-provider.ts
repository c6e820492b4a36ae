import {
  type AnswerCallRequest,
  type AnsweringMachineResult,
  type CallCost,
  type CallDetails,
  type CallInitiation,
  type CallStatusUpdate,
  ConfigurationError,
  type CredentialCheck,
  type InboundBinding,
  InvalidPayloadError,
  jsonResponse,
  type Logger,
  type OwnedPhoneNumber,
  type PlaceCallRequest,
  type ProviderSpec,
  type SyncResult,
  type TelephonyProvider,
  type TransferResult,
  UnsupportedFeatureError,
  type WebhookRequest,
  type WebhookResponse,
} from '@patchbay/core';
import { z } from 'zod';
import {
  readVonage,
  vonageApplication,
  vonageCall,
  vonageCreatedCall,
  vonageNumberPage,
} from './vonage-api-types.js';
import {
  basicAuthorization,
  expectStatus,
  type VonageClientSettings,
  vonageFetch,
} from './vonage-client.js';
import {
  type VonageConfig,
  type VonageConfigInput,
  vonageConfigSchema,
  vonageUiFields,
} from './vonage-config.js';
import { vonageAddress, vonageInbound } from './vonage-inbound.js';
import { VonageTokenMinter, verifyVonageWebhook } from './vonage-jwt.js';
import { VONAGE_AUDIO, VonageMediaSerializer } from './vonage-media-serializer.js';
import { websocketNcco } from './vonage-ncco.js';
import { createVonageStatusMapper, vonageAnsweredBy } from './vonage-status.js';

/** Options of {@link vonage}. */
export interface VonageSettings extends VonageClientSettings {
  /** How old a signed webhook's JWT may be, seconds (default 300). */
  readonly webhookMaxAgeSeconds?: number;
  /** The clock signatures are checked against (tests pin it). */
  readonly now?: () => Date;
}

/** Vonage takes numbers as digits without `+`. */
const digits = (address: string) => address.replace(/^\+/, '');

const eventBody = z.looseObject({
  uuid: z.string().min(1),
  status: z.string().min(1),
  direction: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  duration: z.union([z.string(), z.number()]).optional(),
  timestamp: z.string().optional(),
  detail: z.string().optional(),
  sub_state: z.string().optional(),
  conversation_uuid: z.string().optional(),
});

type Json = Record<string, unknown>;

/** Vonage's timestamps as ISO 8601, or as sent when they do not parse. */
function isoTime(value: string): string {
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? value : time.toISOString();
}

class VonageProvider implements TelephonyProvider {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'vonage';
  readonly capabilities = {
    transfers: false,
    answeringMachineDetection: true,
    callCost: true,
    phoneNumberListing: true,
    phoneNumberProvisioning: false,
    inboundBinding: true,
  } as const;
  private readonly tokens: VonageTokenMinter;
  private readonly api: string;
  private readonly rest: string;
  private readonly mapStatus: ReturnType<typeof createVonageStatusMapper>;

  constructor(
    private readonly config: VonageConfig,
    private readonly settings: VonageSettings,
    logger: Logger,
  ) {
    this.tokens = new VonageTokenMinter(config.application_id, config.private_key);
    this.api = (settings.apiBaseUrl ?? 'https://api.nexmo.com').replace(/\/+$/, '');
    this.rest = (settings.restBaseUrl ?? 'https://rest.nexmo.com').replace(/\/+$/, '');
    this.mapStatus = createVonageStatusMapper(logger);
  }

  private async voice(operation: string, method: string, path: string, json?: unknown) {
    return vonageFetch(operation, `${this.api}${path}`, {
      method,
      authorization: `Bearer ${await this.tokens.mint()}`,
      ...(json === undefined ? {} : { json }),
      ...(this.settings.timeoutMs === undefined ? {} : { timeoutMs: this.settings.timeoutMs }),
    });
  }

  private basic(operation: string, method: string, url: string, json?: unknown) {
    return vonageFetch(operation, url, {
      method,
      authorization: basicAuthorization(this.config.api_key, this.config.api_secret),
      ...(json === undefined ? {} : { json }),
      ...(this.settings.timeoutMs === undefined ? {} : { timeoutMs: this.settings.timeoutMs }),
    });
  }

  async placeCall(request: PlaceCallRequest): Promise<CallInitiation> {
    if (!request.from)
      throw new ConfigurationError('Vonage needs a caller ID (from) for outbound calls', {
        code: 'caller_id_required',
      });
    const detection = request.answeringMachineDetection;
    const response = await this.voice('place call', 'POST', '/v1/calls', {
      to: [{ type: 'phone', number: digits(request.to) }],
      from: { type: 'phone', number: digits(request.from) },
      // POST, so the answer webhook is signed with a payload hash like every other.
      answer_url: [request.answerUrl],
      answer_method: 'POST',
      event_url: [request.statusCallbackUrl],
      event_method: 'POST',
      ...(request.ringTimeoutSeconds === undefined
        ? {}
        : { ringing_timer: request.ringTimeoutSeconds }),
      ...(detection
        ? {
            advanced_machine_detection: {
              behavior: 'continue',
              mode: detection.mode === 'detect-beep' ? 'detect_beep' : 'detect',
            },
          }
        : {}),
    });
    expectStatus('place call', response, [201]);
    const body = readVonage(vonageCreatedCall, response.body, 'place call');
    return {
      callId: body.uuid,
      status: this.mapStatus(body.status ?? 'started'),
      from: request.from,
      to: request.to,
      metadata: body.conversation_uuid ? { conversationUuid: body.conversation_uuid } : {},
      warnings: [],
    };
  }

  /**
   * Both halves of a Vonage configuration: the application's private key
   * (a JWT-signed call list of one) and the account's API key and secret
   * (a numbers page of one), since each is used for different requests.
   */
  async verifyCredentials(): Promise<CredentialCheck> {
    const calls = await this.voice('verify credentials', 'GET', '/v1/calls?page_size=1');
    expectStatus('verify credentials', calls, [200]);
    await this.numbersPage('size=1');
    return { verified: true };
  }

  async getCall(callId: string): Promise<CallDetails> {
    const response = await this.voice('get call', 'GET', `/v1/calls/${encodeURIComponent(callId)}`);
    expectStatus('get call', response, [200]);
    const body = readVonage(vonageCall, response.body, 'get call');
    const from = body.from?.number;
    const to = body.to?.number;
    return {
      callId,
      status: this.mapStatus(body.status),
      carrierStatus: body.status,
      ...(from ? { from: vonageAddress(from) } : {}),
      ...(to ? { to: vonageAddress(to) } : {}),
      ...(body.direction
        ? { direction: body.direction === 'inbound' ? ('inbound' as const) : ('outbound' as const) }
        : {}),
      ...(body.start_time ? { startedAt: isoTime(body.start_time) } : {}),
      ...(body.end_time ? { endedAt: isoTime(body.end_time) } : {}),
      ...(body.duration === undefined ? {} : { durationSeconds: body.duration }),
    };
  }

  async hangUp(callId: string): Promise<void> {
    const response = await this.voice('hang up', 'PUT', `/v1/calls/${encodeURIComponent(callId)}`, {
      action: 'hangup',
    });
    // 404: already over. Vonage also answers 400 for a call that has ended.
    expectStatus('hang up', response, [200, 204, 404]);
  }

  async getCallCost(callId: string): Promise<CallCost> {
    const response = await this.voice(
      'get call cost',
      'GET',
      `/v1/calls/${encodeURIComponent(callId)}`,
    );
    expectStatus('get call cost', response, [200]);
    const body = readVonage(vonageCall, response.body, 'get call cost');
    return {
      callId,
      amount: Math.abs(body.price ?? 0),
      currency: body.currency === 'EUR' ? 'EUR' : 'USD',
      durationSeconds: body.duration ?? 0,
    };
  }

  private async numbersPage(query: string) {
    const response = await this.basic(
      'list phone numbers',
      'GET',
      `${this.rest}/account/numbers?${query}`,
    );
    expectStatus('list phone numbers', response, [200]);
    const body = readVonage(vonageNumberPage, response.body, 'list phone numbers');
    return { count: body.count ?? 0, numbers: body.numbers };
  }

  async listPhoneNumbers(): Promise<OwnedPhoneNumber[]> {
    const owned: OwnedPhoneNumber[] = [];
    for (let index = 1; ; index++) {
      const page = await this.numbersPage(`size=100&index=${index}`);
      for (const number of page.numbers) {
        const value = number.msisdn ?? number.number;
        if (value) owned.push({ address: vonageAddress(value), carrierId: value });
      }
      if (page.numbers.length < 100 || owned.length >= page.count) return owned;
    }
  }

  async validatePhoneNumber(address: string): Promise<SyncResult> {
    if (!address.startsWith('+'))
      return { ok: true, message: 'Not a phone number; Vonage has nothing to check' };
    const wanted = digits(address);
    const page = await this.numbersPage(`pattern=${wanted}&search_pattern=0&size=100`);
    return page.numbers.some((n) => (n.msisdn ?? n.number ?? '').replace(/^\+/, '') === wanted)
      ? { ok: true }
      : { ok: false, message: `${address} is not a number of this Vonage account` };
  }

  async provisionPhoneNumber(): Promise<SyncResult> {
    throw new UnsupportedFeatureError(
      'vonage',
      'phone-number-provisioning',
      'buy numbers in the Vonage dashboard',
    );
  }

  async bindInbound(_address: string, binding: InboundBinding | null): Promise<SyncResult> {
    if (binding === null) {
      return {
        ok: true,
        message:
          'The Vonage application is shared by its numbers; unlink the number in the dashboard to stop calls reaching it',
      };
    }
    const url = `${this.api}/v2/applications/${encodeURIComponent(this.config.application_id)}`;
    const current = await this.basic('read application', 'GET', url);
    expectStatus('read application', current, [200]);
    const application = readVonage(vonageApplication, current.body, 'read application');
    const capabilities: Json = structuredClone(application.capabilities ?? {});
    const voice: Json = { ...(application.capabilities?.voice ?? {}) };
    const webhooks: Json = { ...(application.capabilities?.voice?.webhooks ?? {}) };
    webhooks['answer_url'] = { address: binding.webhookUrl, http_method: 'POST' };
    if (binding.statusCallbackUrl)
      webhooks['event_url'] = { address: binding.statusCallbackUrl, http_method: 'POST' };
    voice['webhooks'] = webhooks;
    // Patchbay verifies every webhook, so Vonage must sign them.
    voice['signed_callbacks'] = true;
    capabilities['voice'] = voice;
    // PUT replaces the whole application: send back what was read, changed.
    const updated = await this.basic('update application', 'PUT', url, {
      name: application.name,
      capabilities,
      ...(application['privacy'] === undefined ? {} : { privacy: application['privacy'] }),
    });
    expectStatus('update application', updated, [200, 201]);
    return { ok: true };
  }

  async verifyWebhook(request: WebhookRequest): Promise<void> {
    await verifyVonageWebhook(request, {
      signatureSecret: this.config.signature_secret,
      apiKey: this.config.api_key,
      applicationId: this.config.application_id,
      maxAgeSeconds: this.settings.webhookMaxAgeSeconds ?? 300,
      ...(this.settings.now ? { now: this.settings.now } : {}),
    });
  }

  async answerCall(request: AnswerCallRequest): Promise<WebhookResponse> {
    return jsonResponse(
      websocketNcco({
        mediaStreamUrl: request.mediaStreamUrl,
        eventUrl: request.statusCallbackUrl,
        // Arrive in the socket's first message, so the stream knows its call.
        headers: { ...request.customParameters, call_uuid: request.callId },
        sampleRate: 16000,
      }),
    );
  }

  parseStatusCallback(request: WebhookRequest): CallStatusUpdate {
    const source = 'Vonage event webhook';
    if (request.json === undefined) throw new InvalidPayloadError(source, 'expected a JSON body');
    const parsed = eventBody.safeParse(request.json);
    if (!parsed.success)
      throw new InvalidPayloadError(
        source,
        parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      );
    const event = parsed.data;
    const answeredBy = vonageAnsweredBy(event.status);
    const duration = event.duration === undefined ? undefined : Number(event.duration);
    return {
      callId: event.uuid,
      status: this.mapStatus(event.status),
      carrierStatus: event.status,
      ...(duration !== undefined && Number.isFinite(duration) ? { durationSeconds: duration } : {}),
      ...(event.from ? { from: vonageAddress(event.from) } : {}),
      ...(event.to ? { to: vonageAddress(event.to) } : {}),
      ...(event.direction
        ? {
            direction: event.direction === 'inbound' ? ('inbound' as const) : ('outbound' as const),
          }
        : {}),
      ...(event.timestamp ? { occurredAt: new Date(event.timestamp).toISOString() } : {}),
      ...(event.detail ? { reason: event.detail } : {}),
      ...(answeredBy
        ? {
            answeringMachine: {
              callId: event.uuid,
              answeredBy,
              carrierLabel: event.sub_state ?? event.status,
            },
          }
        : {}),
      metadata: event.conversation_uuid ? { conversationUuid: event.conversation_uuid } : {},
    };
  }

  parseAnsweringMachineResult(request: WebhookRequest): AnsweringMachineResult | undefined {
    const body = request.json as Json | undefined;
    const status = typeof body?.['status'] === 'string' ? body['status'] : undefined;
    const answeredBy = status ? vonageAnsweredBy(status) : undefined;
    if (!answeredBy || typeof body?.['uuid'] !== 'string') return undefined;
    return { callId: body['uuid'], answeredBy, carrierLabel: String(body['sub_state'] ?? status) };
  }

  async transferCall(): Promise<TransferResult> {
    throw new UnsupportedFeatureError('vonage', 'transfer');
  }

  async connectTransfer(): Promise<void> {
    throw new UnsupportedFeatureError('vonage', 'transfer');
  }

  parseTransferCallback(): TransferResult {
    throw new UnsupportedFeatureError('vonage', 'transfer');
  }

  sipConnectivity(): undefined {
    return undefined;
  }
}

/**
 * The Vonage provider spec. Register it with `createRegistry([vonage()])`.
 *
 * @example
 * const spec = vonage({ webhookMaxAgeSeconds: 120 });
 */
export function vonage(
  settings: VonageSettings = {},
): ProviderSpec<VonageConfig, VonageConfigInput> {
  return {
    specificationVersion: 'v1',
    name: 'vonage',
    displayName: 'Vonage',
    description: 'Vonage Voice API with 16 kHz linear PCM WebSockets.',
    docsUrl: 'https://developer.vonage.com/en/voice/voice-api/concepts/websockets',
    configSchema: vonageConfigSchema,
    ui: vonageUiFields,
    audio: VONAGE_AUDIO,
    accountIdField: 'api_key',
    connectivity: 'api',
    requiresCallerId: true,
    inbound: vonageInbound,
    media: { createSerializer: () => new VonageMediaSerializer() },
    create: (config, context) => new VonageProvider(config, settings, context.logger),
  };
}
