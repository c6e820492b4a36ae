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
  type InboundBinding,
  type OwnedPhoneNumber,
  type PlaceCallRequest,
  type ProviderContext,
  type ProviderSpec,
  type SyncResult,
  type TelephonyProvider,
  type TransferRequest,
  type TransferResult,
  UnsupportedFeatureError,
  type UnsupportedWarning,
  type WebhookRequest,
  type WebhookResponse,
  xmlResponse,
} from '@patchbay/core';
import {
  conferenceTransferRoute,
  parsePlivoStyleMachineDetection,
  parsePlivoStyleStatusCallback,
  parsePlivoStyleTransferCallback,
} from '@patchbay/core/provider-utils';
import {
  plivoCallRecord,
  plivoCreatedApplication,
  plivoLiveCall,
  plivoNumberPage,
  plivoPlacedCall,
  readPlivo,
} from './plivo-api-types.js';
import {
  callPlivo,
  createPlivoClient,
  type PlivoClient,
  type PlivoClientSettings,
} from './plivo-client.js';
import {
  type PlivoConfig,
  type PlivoConfigInput,
  plivoConfigSchema,
  plivoUiFields,
} from './plivo-config.js';
import { plivoAddress, plivoInbound } from './plivo-inbound.js';
import { conferenceXml, plivoTransferConferenceName, streamXml } from './plivo-markup.js';
import { PLIVO_AUDIO, PlivoMediaSerializer } from './plivo-media-serializer.js';
import { verifyPlivoSignature } from './plivo-signature.js';
import { createPlivoStatusMapper, plivoCallState } from './plivo-status.js';

/** Options of {@link plivo}. */
export interface PlivoSettings extends PlivoClientSettings {
  /** Spoken to a transfer's destination before the caller joins; nothing by default. */
  readonly transferAnnouncement?: string;
}

/** Plivo's REST API takes numbers as digits without `+`. */
const digits = (address: string) => address.replace(/^\+/, '');
const TRANSFER_ROUTE = 'transfer-answer';

function isNotFound(error: unknown): boolean {
  return CarrierApiError.isInstance(error) && error.statusCode === 404;
}

class PlivoProvider implements TelephonyProvider {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'plivo';
  readonly capabilities = {
    transfers: true,
    answeringMachineDetection: true,
    callCost: true,
    phoneNumberListing: true,
    phoneNumberProvisioning: false,
    inboundBinding: true,
  } as const;
  private readonly client: PlivoClient;
  private readonly mapStatus: ReturnType<typeof createPlivoStatusMapper>;

  constructor(
    private readonly config: PlivoConfig,
    settings: PlivoSettings,
    private readonly context: ProviderContext,
  ) {
    this.client = createPlivoClient(config.auth_id, config.auth_token, settings);
    this.mapStatus = createPlivoStatusMapper(context.logger);
  }

  private routeUrl(path: string): string {
    if (!this.context.routeUrl) {
      throw new ConfigurationError(
        'Plivo transfers need the host to mount the provider routes (ProviderContext.routeUrl)',
        {
          code: 'provider_routes_missing',
        },
      );
    }
    return this.context.routeUrl(path);
  }

  async placeCall(request: PlaceCallRequest): Promise<CallInitiation> {
    if (!request.from) {
      throw new ConfigurationError('Plivo needs a caller ID (from) for outbound calls', {
        code: 'caller_id_required',
      });
    }
    const warnings: UnsupportedWarning[] = [];
    const detection = request.answeringMachineDetection;
    if (detection?.mode === 'detect-beep') {
      warnings.push({
        type: 'unsupported',
        feature: 'answering-machine-detection',
        details: 'Plivo reports human or machine only; it does not wait for the greeting to end',
      });
    }
    const response = await callPlivo('place call', () =>
      this.client.calls.create(digits(request.from!), digits(request.to), request.answerUrl, {
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
      }),
    );
    const requestUuid = readPlivo(plivoPlacedCall, response, 'place call').request_uuid;
    // The request UUID names the API request; the call's own CallUUID arrives
    // with the answer webhook and every callback (see parseStatusCallback).
    return {
      callId: requestUuid,
      status: 'queued',
      from: request.from,
      to: request.to,
      metadata: { requestUuid },
      warnings,
    };
  }

  /** The account's own details (`GET /Account/{auth_id}/`): nothing cheaper needs both secrets. */
  async verifyCredentials(): Promise<CredentialCheck> {
    await callPlivo('verify credentials', () => this.client.accounts.get());
    return { verified: true };
  }

  async getCall(callId: string): Promise<CallDetails> {
    try {
      const live = readPlivo(
        plivoLiveCall,
        await callPlivo('get live call', () => this.client.calls.getLiveCall(callId)),
        'get live call',
      );
      const status = live.call_status ?? 'in-progress';
      const from = live.from ?? live.caller;
      const to = live.to;
      return {
        callId,
        status: this.mapStatus(status),
        carrierStatus: status,
        ...(from ? { from: plivoAddress(from) } : {}),
        ...(to ? { to: plivoAddress(to) } : {}),
      };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const record = await this.callRecord(callId, 'get call');
    const state = record.call_state;
    const duration = record.call_duration ?? record.bill_duration;
    const from = record.from_number;
    const to = record.to_number;
    const direction = record.call_direction;
    return {
      callId,
      status: plivoCallState(state),
      carrierStatus: state ?? 'unknown',
      ...(from ? { from: plivoAddress(from) } : {}),
      ...(to ? { to: plivoAddress(to) } : {}),
      ...(direction ? { direction: direction === 'inbound' ? 'inbound' : 'outbound' } : {}),
      ...(duration === undefined ? {} : { durationSeconds: duration }),
    };
  }

  private async callRecord(callId: string, operation: string) {
    return readPlivo(
      plivoCallRecord,
      await callPlivo(operation, () => this.client.calls.get(callId)),
      operation,
    );
  }

  async hangUp(callId: string): Promise<void> {
    try {
      await callPlivo('hang up', () => this.client.calls.hangup(callId));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async getCallCost(callId: string): Promise<CallCost> {
    const record = await this.callRecord(callId, 'get call cost');
    // Plivo names these call_duration and bill_duration (the original read fields that do not exist).
    return {
      callId,
      amount: Math.abs(record.total_amount ?? 0),
      currency: 'USD',
      durationSeconds: record.bill_duration ?? record.call_duration ?? 0,
    };
  }

  async listPhoneNumbers(): Promise<OwnedPhoneNumber[]> {
    const owned: OwnedPhoneNumber[] = [];
    for (let offset = 0; ; offset += 20) {
      const page = readPlivo(
        plivoNumberPage,
        await callPlivo('list phone numbers', () =>
          this.client.numbers.list({ limit: 20, offset }),
        ),
        'list phone numbers',
      );
      for (const { number } of page)
        owned.push({ address: plivoAddress(number), carrierId: number });
      if (page.length < 20) return owned;
    }
  }

  async validatePhoneNumber(address: string): Promise<SyncResult> {
    if (!address.startsWith('+'))
      return { ok: true, message: 'Not a phone number; Plivo has nothing to check' };
    try {
      // NumberInterface.get exists at run time but is missing from the SDK's typings.
      const numbers = this.client.numbers as unknown as { get(number: string): Promise<unknown> };
      await callPlivo('look up phone number', () => numbers.get(digits(address)));
      return { ok: true };
    } catch (error) {
      if (isNotFound(error))
        return {
          ok: false,
          message: `${address} is not a number of Plivo account ${this.config.auth_id}`,
        };
      throw error;
    }
  }

  async provisionPhoneNumber(): Promise<SyncResult> {
    throw new UnsupportedFeatureError(
      'plivo',
      'phone-number-provisioning',
      'rent numbers in the Plivo console',
    );
  }

  async bindInbound(address: string, binding: InboundBinding | null): Promise<SyncResult> {
    const applicationId = this.config.application_id;
    if (!applicationId)
      return {
        ok: false,
        message: 'No Plivo application is configured; save the configuration to create one',
      };
    if (binding === null) {
      // The application is shared by every number on it, so detaching one number changes nothing there.
      return {
        ok: true,
        message: `${address} stays linked to Plivo application ${applicationId}; unlink it in the console to stop calls reaching it`,
      };
    }
    await callPlivo('point application at the host', () =>
      // The SDK's typings mark every field required; Plivo's API does not.
      this.client.applications.update(applicationId, {
        answerUrl: binding.webhookUrl,
        answerMethod: 'POST',
        ...(binding.statusCallbackUrl
          ? { hangupUrl: binding.statusCallbackUrl, hangupMethod: 'POST' }
          : {}),
      } as Parameters<PlivoClient['applications']['update']>[1]),
    );
    await callPlivo('link number to application', () =>
      this.client.numbers.update(digits(address), { appId: applicationId }),
    );
    return { ok: true };
  }

  async verifyWebhook(request: WebhookRequest): Promise<void> {
    verifyPlivoSignature(this.config.auth_token, request);
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
      carrier: 'Plivo',
      mapStatus: this.mapStatus,
      address: plivoAddress,
    });
  }

  parseAnsweringMachineResult(request: WebhookRequest): AnsweringMachineResult | undefined {
    return parsePlivoStyleMachineDetection(request);
  }

  async transferCall(request: TransferRequest): Promise<TransferResult> {
    if (!request.from)
      throw new ConfigurationError('Plivo needs a caller ID (from) on the transfer leg', {
        code: 'caller_id_required',
      });
    const answerUrl = this.routeUrl(`${TRANSFER_ROUTE}/${encodeURIComponent(request.transferId)}`);
    const response = await callPlivo('dial transfer destination', () =>
      this.client.calls.create(digits(request.from!), digits(request.destination), answerUrl, {
        answer_method: 'POST',
        hangup_url: request.statusCallbackUrl,
        hangup_method: 'POST',
        ring_timeout: request.timeoutSeconds,
      }),
    );
    const requestUuid = readPlivo(
      plivoPlacedCall,
      response,
      'dial transfer destination',
    ).request_uuid;
    return {
      transferId: request.transferId,
      status: 'pending',
      legCallId: requestUuid,
      metadata: { conference: plivoTransferConferenceName(request.transferId) },
    };
  }

  async connectTransfer(request: ConnectTransferRequest): Promise<void> {
    const alegUrl = `${this.routeUrl(`${TRANSFER_ROUTE}/${encodeURIComponent(request.transferId)}`)}?leg=aleg`;
    await callPlivo('connect transfer', () =>
      this.client.calls.transfer(request.callId, {
        legs: 'aleg',
        alegUrl,
        alegMethod: 'POST',
      } as Parameters<PlivoClient['calls']['transfer']>[1]),
    );
  }

  parseTransferCallback(request: WebhookRequest, transferId: string): TransferResult {
    return parsePlivoStyleTransferCallback(request, transferId, 'Plivo');
  }

  sipConnectivity(): undefined {
    return undefined;
  }
}

/**
 * The Plivo provider spec. Register it with `createRegistry([plivo()])`.
 *
 * @example
 * const spec = plivo({ transferAnnouncement: 'Connecting you now.' });
 */
export function plivo(settings: PlivoSettings = {}): ProviderSpec<PlivoConfig, PlivoConfigInput> {
  const clientFor = (config: PlivoConfig) =>
    createPlivoClient(config.auth_id, config.auth_token, settings);
  return {
    specificationVersion: 'v1',
    name: 'plivo',
    displayName: 'Plivo',
    description: 'Plivo Voice with bidirectional audio streaming.',
    docsUrl: 'https://www.plivo.com/docs/voice/xml/the-stream-element',
    configSchema: plivoConfigSchema,
    ui: plivoUiFields,
    audio: PLIVO_AUDIO,
    accountIdField: 'auth_id',
    serverManagedFields: [{ path: 'managed_application_id', accountScoped: true }],
    connectivity: 'api',
    requiresCallerId: true,
    inbound: plivoInbound,
    hooks: {
      async beforeSave(next, previous, context) {
        // An application id carried over from another account is that account's: make a new one.
        const movedAccount =
          previous !== undefined &&
          previous.auth_id !== next.auth_id &&
          next.application_id === previous.application_id;
        if (next.application_id && !movedAccount) return next;
        const response = await callPlivo('create application', () =>
          clientFor(next).applications.create(`patchbay-${randomBytes(6).toString('hex')}`, {
            answer_url: context.inboundWebhookUrl,
            answer_method: 'POST',
          }),
        );
        const appId = readPlivo(plivoCreatedApplication, response, 'create application').app_id;
        return { ...next, application_id: appId, managed_application_id: appId };
      },
      async afterDelete(stored) {
        if (!stored.managed_application_id) return;
        try {
          await callPlivo('delete application', () =>
            clientFor(stored).applications.delete(stored.managed_application_id!),
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
          plivoTransferConferenceName(transferId),
          isCaller ? undefined : settings.transferAnnouncement,
        ),
      ),
    ],
    media: {
      createSerializer: (options) =>
        new PlivoMediaSerializer(
          options?.streamId === undefined ? {} : { streamId: options.streamId },
        ),
    },
    create: (config, context) => new PlivoProvider(config, settings, context),
  };
}
