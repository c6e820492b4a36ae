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
  type ConnectTransferRequest,
  type CredentialCheck,
  createMemoryReplayGuard,
  type InboundBinding,
  type OwnedPhoneNumber,
  type PlaceCallRequest,
  type ProviderContext,
  type ProviderSpec,
  type ReplayGuard,
  type SyncResult,
  type TelephonyProvider,
  type TransferRequest,
  type TransferResult,
  UnsupportedFeatureError,
  type UnsupportedWarning,
  type WebhookRequest,
  type WebhookResponse,
  WebhookSignatureError,
  xmlResponse,
} from '@patchbay/core';
import {
  conferenceTransferRoute,
  parsePlivoStyleMachineDetection,
  parsePlivoStyleStatusCallback,
  parsePlivoStyleTransferCallback,
} from '@patchbay/core/provider-utils';
import { type VobizClientSettings, vobizRequest } from './vobiz-client.js';
import {
  type VobizConfig,
  type VobizConfigInput,
  vobizConfigSchema,
  vobizUiFields,
} from './vobiz-config.js';
import { vobizAddress, vobizInbound } from './vobiz-inbound.js';
import { conferenceXml, streamXml, vobizTransferConferenceName } from './vobiz-markup.js';
import { VOBIZ_AUDIO, VobizMediaSerializer } from './vobiz-media-serializer.js';
import { verifyVobizSignatures, vobizRequestFingerprint } from './vobiz-signature.js';
import { createVobizStatusMapper, vobizCdrStatus } from './vobiz-status.js';

/** Options of {@link vobiz}. */
export interface VobizSettings extends VobizClientSettings {
  /** Spoken to a transfer's destination before the caller joins; nothing by default. */
  readonly transferAnnouncement?: string;
  /**
   * How long a callback's nonce is remembered, seconds (default one day).
   * Vobiz's signatures carry no timestamp, so this is the window in which a
   * captured callback cannot be replayed.
   */
  readonly nonceTtlSeconds?: number;
}

/** Vobiz's REST API takes numbers as digits without `+`. */
const digits = (address: string) => address.replace(/^\+/, '');
const TRANSFER_ROUTE = 'transfer-answer';
const DAY_SECONDS = 24 * 60 * 60;

type Fields = Record<string, unknown>;
const text = (value: unknown) =>
  value === undefined || value === null || value === '' ? undefined : String(value);
const pick = (object: Fields, ...keys: string[]) =>
  keys
    .map((key) => object[key])
    .find((value) => value !== undefined && value !== null && value !== '');
const isNotFound = (error: unknown) =>
  CarrierApiError.isInstance(error) && error.statusCode === 404;

class VobizProvider implements TelephonyProvider {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'vobiz';
  readonly capabilities = {
    transfers: true,
    answeringMachineDetection: true,
    callCost: true,
    phoneNumberListing: true,
    phoneNumberProvisioning: false,
    inboundBinding: true,
  } as const;
  private readonly mapStatus: ReturnType<typeof createVobizStatusMapper>;

  constructor(
    private readonly config: VobizConfig,
    private readonly settings: VobizSettings,
    private readonly context: ProviderContext,
    private readonly replayGuard: ReplayGuard,
  ) {
    this.mapStatus = createVobizStatusMapper(context.logger);
  }

  private request(
    operation: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options?: Parameters<typeof vobizRequest>[5],
  ) {
    return vobizRequest(this.settings, this.config, operation, method, path, options);
  }

  private routeUrl(path: string): string {
    if (!this.context.routeUrl) {
      throw new ConfigurationError(
        'Vobiz transfers need the host to mount the provider routes (ProviderContext.routeUrl)',
        { code: 'provider_routes_missing' },
      );
    }
    return this.context.routeUrl(path);
  }

  async placeCall(request: PlaceCallRequest): Promise<CallInitiation> {
    if (!request.from) {
      throw new ConfigurationError('Vobiz needs a caller ID (from) for outbound calls', {
        code: 'caller_id_required',
      });
    }
    const warnings: UnsupportedWarning[] = [];
    const detection = request.answeringMachineDetection;
    if (detection?.mode === 'detect-beep') {
      warnings.push({
        type: 'unsupported',
        feature: 'answering-machine-detection',
        details: 'Vobiz reports human or machine only; it does not wait for the greeting to end',
      });
    }
    const { body } = await this.request('place call', 'POST', '/Call/', {
      ok: [200, 201],
      json: {
        from: digits(request.from),
        to: digits(request.to),
        answer_url: request.answerUrl,
        answer_method: 'POST',
        hangup_url: request.statusCallbackUrl,
        hangup_method: 'POST',
        ring_url: request.statusCallbackUrl,
        ring_method: 'POST',
        ...(request.ringTimeoutSeconds === undefined
          ? {}
          : { ring_timeout: request.ringTimeoutSeconds }),
        ...(detection
          ? {
              machine_detection: 'true',
              machine_detection_url: detection.callbackUrl,
              machine_detection_method: 'POST',
            }
          : {}),
      },
    });
    const requestUuid = text(pick(body, 'request_uuid', 'call_uuid', 'RequestUUID', 'CallUUID'));
    if (!requestUuid) {
      throw new CarrierApiError({
        provider: 'vobiz',
        operation: 'place call',
        message: 'the response has no request_uuid',
      });
    }
    return {
      callId: requestUuid,
      status: 'queued',
      from: request.from,
      to: request.to,
      metadata: { requestUuid },
      warnings,
    };
  }

  /** Lists the account's live calls: the cheapest request that needs both credentials. */
  async verifyCredentials(): Promise<CredentialCheck> {
    await this.request('verify credentials', 'GET', '/Call/', { query: { status: 'live' } });
    return { verified: true };
  }

  async getCall(callId: string): Promise<CallDetails> {
    const path = `/Call/${encodeURIComponent(callId)}/`;
    try {
      const { body } = await this.request('get live call', 'GET', path, {
        query: { status: 'live' },
      });
      // Vobiz documents both a flat object and one wrapped in `calls`.
      const live = Array.isArray(body['calls']) ? ((body['calls'][0] ?? {}) as Fields) : body;
      const status = text(pick(live, 'call_status', 'call_state')) ?? 'in-progress';
      const from = text(pick(live, 'from', 'from_number'));
      const to = text(pick(live, 'to', 'to_number'));
      const direction = text(pick(live, 'direction', 'call_direction'));
      return {
        callId,
        status: status.toUpperCase() === 'ACTIVE' ? 'in-progress' : this.mapStatus(status),
        carrierStatus: status,
        ...(from ? { from: vobizAddress(from) } : {}),
        ...(to ? { to: vobizAddress(to) } : {}),
        ...(direction ? { direction: direction === 'inbound' ? 'inbound' : 'outbound' } : {}),
      };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const record = await this.callRecord(callId, 'get call');
    const cause = text(pick(record, 'hangup_cause_name'));
    const duration = Number(pick(record, 'call_duration', 'bill_duration'));
    const from = text(pick(record, 'from_number'));
    const to = text(pick(record, 'to_number'));
    const direction = text(pick(record, 'call_direction'));
    return {
      callId,
      status: vobizCdrStatus({
        answered: Boolean(pick(record, 'answer_time')),
        hangupCause: cause,
      }),
      carrierStatus: cause ?? 'ended',
      ...(from ? { from: vobizAddress(from) } : {}),
      ...(to ? { to: vobizAddress(to) } : {}),
      ...(direction ? { direction: direction === 'inbound' ? 'inbound' : 'outbound' } : {}),
      ...(Number.isFinite(duration) ? { durationSeconds: duration } : {}),
    };
  }

  private async callRecord(callId: string, operation: string): Promise<Fields> {
    const { body } = await this.request(operation, 'GET', `/Call/${encodeURIComponent(callId)}/`);
    return body;
  }

  async hangUp(callId: string): Promise<void> {
    try {
      await this.request('hang up', 'DELETE', `/Call/${encodeURIComponent(callId)}/`, {
        ok: [200, 202, 204],
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async getCallCost(callId: string): Promise<CallCost> {
    const record = await this.callRecord(callId, 'get call cost');
    const duration = Number(pick(record, 'billed_duration', 'bill_duration', 'call_duration') ?? 0);
    const amount = Number(pick(record, 'total_cost', 'total_amount') ?? 0);
    return {
      callId,
      amount: Number.isFinite(amount) ? Math.abs(amount) : 0,
      // The original read every Vobiz amount as USD; a currency field wins when present.
      currency: text(pick(record, 'currency', 'price_unit')) ?? 'USD',
      durationSeconds: Number.isFinite(duration) ? duration : 0,
    };
  }

  /** Walks `GET /numbers` page by page (Vobiz pages by `page` and `per_page`). */
  private async *numbers(search?: string): AsyncGenerator<Fields> {
    const perPage = 100;
    for (let page = 1; ; page++) {
      const { body } = await this.request('list phone numbers', 'GET', '/numbers', {
        query: { page, per_page: perPage, ...(search ? { search } : {}) },
      });
      const items = Array.isArray(body['items']) ? (body['items'] as Fields[]) : [];
      yield* items;
      const total = Number(body['total'] ?? items.length);
      if (items.length === 0 || page * perPage >= total) return;
    }
  }

  async listPhoneNumbers(): Promise<OwnedPhoneNumber[]> {
    const owned: OwnedPhoneNumber[] = [];
    for await (const number of this.numbers()) {
      const value = text(pick(number, 'e164', 'number'));
      if (value) owned.push({ address: vobizAddress(value), carrierId: value });
    }
    return owned;
  }

  async validatePhoneNumber(address: string): Promise<SyncResult> {
    if (!address.startsWith('+'))
      return { ok: true, message: 'Not a phone number; Vobiz has nothing to check' };
    for await (const number of this.numbers(address)) {
      const value = text(pick(number, 'e164', 'number'));
      if (value && vobizAddress(value) === address) return { ok: true };
    }
    return {
      ok: false,
      message: `${address} is not a number of Vobiz account ${this.config.auth_id}`,
    };
  }

  async provisionPhoneNumber(): Promise<SyncResult> {
    throw new UnsupportedFeatureError(
      'vobiz',
      'phone-number-provisioning',
      'buy numbers in the Vobiz console',
    );
  }

  async bindInbound(address: string, binding: InboundBinding | null): Promise<SyncResult> {
    const numberPath = `/numbers/${encodeURIComponent(address)}/application`;
    if (binding === null) {
      try {
        await this.request('detach number', 'DELETE', numberPath, { ok: [200, 202, 204] });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return { ok: true };
    }
    const applicationId = this.config.application_id;
    if (!applicationId)
      return {
        ok: false,
        message: 'No Vobiz application is configured; save the configuration to create one',
      };
    await this.request(
      'point application at the host',
      'POST',
      `/Application/${encodeURIComponent(applicationId)}/`,
      {
        ok: [200, 202],
        json: {
          answer_url: binding.webhookUrl,
          answer_method: 'POST',
          ...(binding.statusCallbackUrl
            ? { hangup_url: binding.statusCallbackUrl, hangup_method: 'POST' }
            : {}),
        },
      },
    );
    try {
      await this.request('attach number to application', 'POST', numberPath, {
        ok: [200, 201, 204],
        json: { application_id: applicationId },
      });
    } catch (error) {
      if (isNotFound(error))
        return {
          ok: false,
          message: `Vobiz does not know ${address} or application ${applicationId} on account ${this.config.auth_id}`,
        };
      throw error;
    }
    return { ok: true };
  }

  /**
   * Checks the callback's signatures, then that none of their nonces came
   * before with another request: Vobiz signs the URL and nonce only, so a
   * nonce is what ties a signature to one delivery.
   */
  async verifyWebhook(request: WebhookRequest): Promise<void> {
    const verified = verifyVobizSignatures(
      { authToken: this.config.auth_token, parentAuthToken: this.config.parent_auth_token },
      request,
    );
    const fingerprint = vobizRequestFingerprint(request);
    const ttl = this.settings.nonceTtlSeconds ?? DAY_SECONDS;
    for (const { nonce } of verified) {
      const fresh = await this.replayGuard.admit(
        `vobiz:${this.config.auth_id}:${nonce}`,
        fingerprint,
        ttl,
      );
      if (!fresh) {
        throw new WebhookSignatureError('vobiz', 'replayed', {
          url: request.url,
          hint: 'This nonce signed an earlier, different request',
        });
      }
    }
  }

  async answerCall(request: AnswerCallRequest): Promise<WebhookResponse> {
    return xmlResponse(
      streamXml({
        mediaStreamUrl: request.mediaStreamUrl,
        ...(request.direction === 'inbound'
          ? { statusCallbackUrl: request.statusCallbackUrl }
          : {}),
        customParameters: request.customParameters,
      }),
    );
  }

  parseStatusCallback(request: WebhookRequest): CallStatusUpdate {
    return parsePlivoStyleStatusCallback(request, {
      carrier: 'Vobiz',
      mapStatus: this.mapStatus,
      address: vobizAddress,
    });
  }

  parseAnsweringMachineResult(request: WebhookRequest): AnsweringMachineResult | undefined {
    return parsePlivoStyleMachineDetection(request);
  }

  /**
   * Dials the destination with an answer URL that puts it in the transfer's
   * conference; {@link connectTransfer} then moves the caller there with
   * Vobiz's Transfer API.
   */
  async transferCall(request: TransferRequest): Promise<TransferResult> {
    if (!request.from)
      throw new ConfigurationError('Vobiz needs a caller ID (from) on the transfer leg', {
        code: 'caller_id_required',
      });
    const answerUrl = this.routeUrl(`${TRANSFER_ROUTE}/${encodeURIComponent(request.transferId)}`);
    const { body } = await this.request('dial transfer destination', 'POST', '/Call/', {
      ok: [200, 201],
      json: {
        from: digits(request.from),
        to: digits(request.destination),
        answer_url: answerUrl,
        answer_method: 'POST',
        hangup_url: request.statusCallbackUrl,
        hangup_method: 'POST',
        ring_timeout: request.timeoutSeconds,
      },
    });
    const requestUuid = text(pick(body, 'request_uuid', 'call_uuid'));
    return {
      transferId: request.transferId,
      status: 'pending',
      ...(requestUuid ? { legCallId: requestUuid } : {}),
      metadata: { conference: vobizTransferConferenceName(request.transferId) },
    };
  }

  async connectTransfer(request: ConnectTransferRequest): Promise<void> {
    const alegUrl = `${this.routeUrl(`${TRANSFER_ROUTE}/${encodeURIComponent(request.transferId)}`)}?leg=aleg`;
    await this.request('connect transfer', 'POST', `/Call/${encodeURIComponent(request.callId)}/`, {
      ok: [200, 202],
      json: { legs: 'aleg', aleg_url: alegUrl, aleg_method: 'POST' },
    });
  }

  parseTransferCallback(request: WebhookRequest, transferId: string): TransferResult {
    return parsePlivoStyleTransferCallback(request, transferId, 'Vobiz');
  }

  sipConnectivity(): undefined {
    return undefined;
  }
}

/**
 * The Vobiz provider spec. Register it with `createRegistry([vobiz()])`.
 *
 * @example
 * const spec = vobiz({ transferAnnouncement: 'Connecting you now.' });
 */
export function vobiz(settings: VobizSettings = {}): ProviderSpec<VobizConfig, VobizConfigInput> {
  // Used when the host gives no guard of its own: right for one process.
  const localGuard = createMemoryReplayGuard();
  const request = (
    config: VobizConfig,
    operation: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options?: Parameters<typeof vobizRequest>[5],
  ) => vobizRequest(settings, config, operation, method, path, options);
  return {
    specificationVersion: 'v1',
    name: 'vobiz',
    displayName: 'Vobiz',
    description: 'Vobiz Voice (India) with bidirectional audio streaming.',
    docsUrl: 'https://docs.vobiz.ai/xml/stream',
    configSchema: vobizConfigSchema,
    ui: vobizUiFields,
    audio: VOBIZ_AUDIO,
    accountIdField: 'auth_id',
    serverManagedFields: [{ path: 'managed_application_id', accountScoped: true }],
    connectivity: 'api',
    requiresCallerId: true,
    inbound: vobizInbound,
    hooks: {
      async beforeSave(next, previous, context) {
        // An application id carried over from another account is that account's: make a new one.
        const movedAccount =
          previous !== undefined &&
          previous.auth_id !== next.auth_id &&
          next.application_id === previous.application_id;
        if (next.application_id && !movedAccount) return next;
        const { body } = await request(next, 'create application', 'POST', '/Application/', {
          ok: [200, 201],
          json: {
            app_name: `patchbay-${randomBytes(6).toString('hex')}`,
            answer_url: context.inboundWebhookUrl,
            answer_method: 'POST',
          },
        });
        const appId = text(pick(body, 'app_id'));
        if (!appId)
          throw new CarrierApiError({
            provider: 'vobiz',
            operation: 'create application',
            message: 'the response has no app_id',
          });
        return { ...next, application_id: appId, managed_application_id: appId };
      },
      async afterDelete(stored) {
        if (!stored.managed_application_id) return;
        try {
          await request(
            stored,
            'delete application',
            'DELETE',
            `/Application/${encodeURIComponent(stored.managed_application_id)}/`,
            { ok: [200, 202, 204] },
          );
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      },
    },
    routes: [
      // A transfer's destination (and, with ?leg=aleg, the caller) fetches
      // this when answered: it joins the transfer's conference.
      conferenceTransferRoute(TRANSFER_ROUTE, (transferId, isCaller) =>
        conferenceXml(
          vobizTransferConferenceName(transferId),
          isCaller ? undefined : settings.transferAnnouncement,
        ),
      ),
    ],
    media: {
      createSerializer: (options) =>
        new VobizMediaSerializer(
          options?.streamId === undefined ? {} : { streamId: options.streamId },
        ),
    },
    create: (config, context) =>
      new VobizProvider(config, settings, context, context.replayGuard ?? localGuard),
  };
}
