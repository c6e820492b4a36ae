import {
  type AnswerCallRequest,
  type CallCost,
  type CallDetails,
  type CallInitiation,
  type CallStatusUpdate,
  ConfigurationError,
  type ConfigurationState,
  type ConnectTransferRequest,
  type CredentialCheck,
  type InboundBinding,
  InvalidPayloadError,
  type Logger,
  type OwnedPhoneNumber,
  type PlaceCallRequest,
  type ProviderSpec,
  type SetupChecklist,
  type SipConnectivity,
  type SyncResult,
  type TelephonyProvider,
  type TransferRequest,
  type TransferResult,
  UnsupportedFeatureError,
  type WebhookRequest,
  type WebhookResponse,
  xmlResponse,
} from '@patchbay/core';
import { setupChecklist, webhookParameters } from '@patchbay/core/provider-utils';
import {
  cloudonixApplication,
  cloudonixDialedLeg,
  cloudonixDnid,
  cloudonixDnids,
  cloudonixPlacedCall,
  cloudonixSession,
  readCloudonix,
} from './cloudonix-api-types.js';
import { verifyCloudonixApiKey } from './cloudonix-auth.js';
import { type CloudonixClientSettings, cloudonixRequest } from './cloudonix-client.js';
import {
  CLOUDONIX_REGIONS,
  type CloudonixConfig,
  type CloudonixConfigInput,
  cloudonixConfigSchema,
  cloudonixUiFields,
} from './cloudonix-config.js';
import { cloudonixAddress, cloudonixInbound } from './cloudonix-inbound.js';
import {
  cloudonixTransferConference,
  connectStreamCxml,
  transferCallerCxml,
  transferDestinationCxml,
} from './cloudonix-markup.js';
import { CLOUDONIX_AUDIO, CloudonixMediaSerializer } from './cloudonix-media-serializer.js';
import { provisionCloudonix } from './cloudonix-provisioning.js';
import { cloudonixTransferStatus, createCloudonixStatusMapper } from './cloudonix-status.js';
import { deactivateCloudonixTrunks, pinnedTrunk } from './cloudonix-trunks.js';

/** Options of {@link cloudonix}. */
export interface CloudonixSettings extends CloudonixClientSettings {
  /** Spoken to a transfer's destination before the caller joins. */
  readonly transferAnnouncement?: string;
}

type Json = Record<string, unknown>;
const DOCS = 'https://developers.cloudonix.com';

function sipConnectivity(config: CloudonixConfig): SipConnectivity | undefined {
  if (!config.domain_uuid) return undefined;
  const region = CLOUDONIX_REGIONS[config.region];
  const host = `${config.domain_uuid}.${region.suffix}`;
  return {
    displayName: 'Cloudonix',
    regions: [
      {
        region: config.region,
        inboundTransports: [
          {
            transport: 'udp',
            hostname: host,
            port: region.sipPort,
            uri: `${host}:${region.sipPort}`,
          },
          {
            transport: 'tcp',
            hostname: host,
            port: region.sipPort,
            uri: `${host}:${region.sipPort};transport=tcp`,
          },
          {
            transport: 'tls',
            hostname: host,
            port: region.tlsPort,
            uri: `${host}:${region.tlsPort};transport=tls`,
          },
        ],
        outboundOriginIp: region.edgeIp,
      },
    ],
  };
}

function cloudonixChecklist(config: CloudonixConfig, state: ConfigurationState): SetupChecklist {
  return setupChecklist(
    [
      {
        key: 'sip-domain',
        title: 'Connect the Cloudonix domain',
        description: 'Enter the Cloudonix domain and an API key for it.',
        complete: Boolean(config.bearer_token && config.domain_id),
        blocksOutbound: true,
      },
      {
        key: 'outbound-trunk',
        title: 'Add an outbound trunk',
        description:
          'Add a trunk to your carrier or PBX (trunks), or leave routing to the Cloudonix domain.',
        complete: config.trunks.some((trunk) => trunk.enabled),
        blocksOutbound: false,
      },
      ...(config.trunks.filter((trunk) => trunk.enabled).length > 1
        ? [
            {
              key: 'trunk-assignment',
              title: 'Assign numbers to trunks',
              description:
                'With several enabled trunks, a call leaves through the trunk its caller ID is assigned to.',
              complete: config.trunks.every((trunk) => !trunk.enabled || trunk.numbers.length > 0),
              blocksOutbound: false,
            },
          ]
        : []),
      {
        key: 'caller-id',
        title: 'Add a phone number',
        description: 'Add a Cloudonix number (DNID) to use as caller ID for outbound calls.',
        complete: state.activePhoneNumberCount > 0,
        blocksOutbound: true,
      },
      {
        key: 'inbound-routing',
        title: 'Route a number to an agent',
        description: 'Assign an inbound agent to at least one number to take calls.',
        complete: state.inboundRoutedPhoneNumberCount > 0,
        blocksOutbound: false,
      },
    ],
    DOCS,
  );
}

class CloudonixProvider implements TelephonyProvider {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'cloudonix';
  readonly capabilities = {
    transfers: true,
    answeringMachineDetection: false,
    callCost: false,
    phoneNumberListing: true,
    phoneNumberProvisioning: true,
    inboundBinding: true,
  } as const;
  private readonly mapStatus: ReturnType<typeof createCloudonixStatusMapper>;

  constructor(
    private readonly config: CloudonixConfig,
    private readonly settings: CloudonixSettings,
    logger: Logger,
  ) {
    this.mapStatus = createCloudonixStatusMapper(logger);
  }

  private call(
    operation: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options: { json?: unknown; ok?: readonly number[] } = {},
  ) {
    return cloudonixRequest(
      this.settings,
      this.config.bearer_token,
      operation,
      method,
      path,
      options,
    );
  }

  private get domain(): string {
    return encodeURIComponent(this.config.domain_id);
  }

  private trunkFor(callerId: string): { trunk?: string } {
    const trunk = pinnedTrunk(this.config, callerId);
    return trunk ? { trunk } : {};
  }

  async placeCall(request: PlaceCallRequest): Promise<CallInitiation> {
    if (!request.from)
      throw new ConfigurationError('Cloudonix needs a caller ID (from) for outbound calls', {
        code: 'caller_id_required',
      });
    if (request.answeringMachineDetection)
      throw new UnsupportedFeatureError('cloudonix', 'answering-machine-detection');
    const { body } = await this.call('place call', 'POST', `/calls/${this.domain}/application`, {
      json: {
        destination: request.to,
        'caller-id': request.from,
        ...this.trunkFor(request.from),
        cxml: connectStreamCxml(request.mediaStreamUrl, request.customParameters),
        callback: request.statusCallbackUrl,
        ...(request.ringTimeoutSeconds === undefined
          ? {}
          : { timeout: request.ringTimeoutSeconds }),
      },
    });
    const placed = readCloudonix(cloudonixPlacedCall, body, 'place call');
    return {
      callId: placed.token,
      status: 'initiated',
      from: request.from,
      to: request.to,
      metadata: { subscriberId: placed.subscriberId },
      warnings: [],
    };
  }

  /** The domain itself: the bearer token must be one of this domain's (or its tenant's) keys. */
  async verifyCredentials(): Promise<CredentialCheck> {
    await this.call(
      'verify credentials',
      'GET',
      `/customers/self/domains/${encodeURIComponent(this.config.domain_id)}`,
    );
    return { verified: true };
  }

  async getCall(callId: string): Promise<CallDetails> {
    const { body } = await this.call(
      'get call',
      'GET',
      `/customers/self/domains/${this.domain}/sessions/${encodeURIComponent(callId)}`,
    );
    const status = readCloudonix(cloudonixSession, body, 'get call').status ?? 'in-progress';
    return { callId, status: this.mapStatus(status), carrierStatus: status };
  }

  async hangUp(callId: string): Promise<void> {
    await this.call(
      'hang up',
      'DELETE',
      `/customers/self/domains/${this.domain}/sessions/${encodeURIComponent(callId)}`,
      { ok: [200, 204, 404] },
    );
  }

  async getCallCost(): Promise<CallCost> {
    throw new UnsupportedFeatureError('cloudonix', 'call-cost');
  }

  async listPhoneNumbers(): Promise<OwnedPhoneNumber[]> {
    const { body } = await this.call(
      'list phone numbers',
      'GET',
      `/customers/self/domains/${this.domain}/dnids`,
    );
    return readCloudonix(cloudonixDnids, body, 'list phone numbers')
      .map((entry) => entry.source ?? entry.dnid)
      .filter((value): value is string => value !== undefined)
      .map((value) => ({ address: cloudonixAddress(value), carrierId: value }));
  }

  async validatePhoneNumber(address: string): Promise<SyncResult> {
    const response = await this.call(
      'look up phone number',
      'GET',
      `/customers/self/domains/${this.domain}/dnids/${encodeURIComponent(address)}`,
      { ok: [200, 404] },
    );
    if (response.status === 404)
      return {
        ok: false,
        message: `${address} is not a number of Cloudonix domain ${this.config.domain_id}`,
      };
    const entry = readCloudonix(cloudonixDnid, response.body, 'look up phone number');
    const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const source = entry.source === undefined ? undefined : cloudonixAddress(entry.source);
    const dnid = entry.dnid;
    const matches =
      source === address ||
      dnid === address ||
      dnid === `^${escaped}$` ||
      dnid === `^(${escaped})$`;
    return matches
      ? { ok: true }
      : {
          ok: false,
          message: `${address} is not a number of Cloudonix domain ${this.config.domain_id}`,
        };
  }

  async provisionPhoneNumber(address: string): Promise<SyncResult> {
    if (!this.config.application_name)
      return { ok: false, message: 'No voice application yet; save the configuration first' };
    const existing = await this.call('list phone numbers', 'GET', `/domains/${this.domain}/dnids`, {
      ok: [200, 404],
    });
    const provisioned =
      existing.status === 200
        ? readCloudonix(cloudonixDnids, existing.body, 'list phone numbers')
        : [];
    if (provisioned.some((entry) => entry.source === address))
      return { ok: true, message: 'already provisioned' };
    const application = await this.call(
      'read application',
      'GET',
      `/domains/${this.domain}/applications/${encodeURIComponent(this.config.application_name)}`,
    );
    const { uuid } = readCloudonix(cloudonixApplication, application.body, 'read application');
    if (uuid === undefined) return { ok: false, message: 'The voice application has no uuid' };
    await this.call(
      'provision phone number',
      'POST',
      `/domains/${this.domain}/applications/${encodeURIComponent(uuid)}/dnids`,
      {
        json: { source: address, prefix: false, expression: false, asteriskCompatible: false },
        ok: [200, 201, 204],
      },
    );
    return { ok: true };
  }

  async bindInbound(_address: string, binding: InboundBinding | null): Promise<SyncResult> {
    if (binding === null)
      return {
        ok: true,
        message: "The voice application is shared by the domain's numbers; nothing to detach",
      };
    if (!this.config.application_name)
      return { ok: false, message: 'No voice application yet; save the configuration first' };
    await this.call(
      'point application at the host',
      'PATCH',
      `/customers/self/domains/${this.domain}/applications/${encodeURIComponent(this.config.application_name)}`,
      {
        json: { url: binding.webhookUrl, method: 'POST' },
      },
    );
    return { ok: true };
  }

  async verifyWebhook(request: WebhookRequest): Promise<void> {
    verifyCloudonixApiKey(this.config.bearer_token, request);
  }

  async answerCall(request: AnswerCallRequest): Promise<WebhookResponse> {
    return xmlResponse(connectStreamCxml(request.mediaStreamUrl, request.customParameters));
  }

  parseStatusCallback(request: WebhookRequest): CallStatusUpdate {
    const source = 'Cloudonix status callback';
    const body = request.json !== undefined ? request.json : webhookParameters(request);
    const record = (Array.isArray(body) && body.length === 1 ? body[0] : body) as Json | undefined;
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw new InvalidPayloadError(source, 'expected an object');
    const session = record['session'];
    const callId =
      (typeof session === 'object' && session !== null ? (session as Json)['token'] : undefined) ??
      record['token'] ??
      record['session_id'] ??
      record['CallSid'];
    if (typeof callId !== 'string' || callId === '')
      throw new InvalidPayloadError(source, 'no session token or CallSid');
    // A CDR carries a disposition; a status callback a status.
    const raw = record['disposition'] ?? record['status'] ?? record['CallStatus'];
    if (typeof raw !== 'string' || raw === '')
      throw new InvalidPayloadError(source, 'no disposition or status');
    const duration = record['billsec'] ?? record['duration'] ?? record['CallDuration'];
    const from = record['caller_id'] ?? record['From'];
    const to = record['destination'] ?? record['To'];
    return {
      callId,
      status: this.mapStatus(raw),
      carrierStatus: raw,
      ...(duration !== undefined && duration !== null && Number.isFinite(Number(duration))
        ? { durationSeconds: Number(duration) }
        : {}),
      ...(typeof from === 'string' ? { from: cloudonixAddress(from) } : {}),
      ...(typeof to === 'string' ? { to: cloudonixAddress(to) } : {}),
      metadata: {},
    };
  }

  parseAnsweringMachineResult(): undefined {
    return undefined;
  }

  async transferCall(request: TransferRequest): Promise<TransferResult> {
    if (!request.from)
      throw new ConfigurationError('Cloudonix needs a caller ID (from) on the transfer leg', {
        code: 'caller_id_required',
      });
    const conference = cloudonixTransferConference(request.transferId);
    const { body } = await this.call(
      'dial transfer destination',
      'POST',
      `/calls/${this.domain}/application`,
      {
        json: {
          destination: request.destination,
          'caller-id': request.from,
          ...this.trunkFor(request.from),
          cxml: transferDestinationCxml(
            conference,
            request.statusCallbackUrl,
            this.settings.transferAnnouncement,
          ),
          callback: request.statusCallbackUrl,
          timeout: request.timeoutSeconds,
        },
      },
    );
    const { token } = readCloudonix(cloudonixDialedLeg, body, 'dial transfer destination');
    return {
      transferId: request.transferId,
      status: 'pending',
      ...(typeof token === 'string' ? { legCallId: token } : {}),
      metadata: { conference },
    };
  }

  async connectTransfer(request: ConnectTransferRequest): Promise<void> {
    // The caller's session token, never the media stream's callSid.
    await this.call(
      'connect transfer',
      'POST',
      `/calls/${this.domain}/sessions/${encodeURIComponent(request.callId)}/application`,
      {
        json: { cxml: transferCallerCxml(cloudonixTransferConference(request.transferId)) },
        ok: [200, 202],
      },
    );
  }

  parseTransferCallback(request: WebhookRequest, transferId: string): TransferResult {
    const body = request.json !== undefined ? request.json : webhookParameters(request);
    const record = (Array.isArray(body) && body.length === 1 ? body[0] : body) as Json | undefined;
    if (typeof record !== 'object' || record === null || Array.isArray(record))
      throw new InvalidPayloadError('Cloudonix transfer callback', 'expected an object');
    const event = record['StatusCallbackEvent'];
    const status = record['status'];
    return {
      transferId,
      status: cloudonixTransferStatus(
        typeof event === 'string' ? event : undefined,
        typeof status === 'string' ? status : undefined,
      ),
      ...(typeof record['token'] === 'string' ? { legCallId: record['token'] } : {}),
      metadata: { event, status },
    };
  }

  sipConnectivity(): SipConnectivity | undefined {
    return sipConnectivity(this.config);
  }
}

/**
 * The Cloudonix provider spec. Register it with `createRegistry([cloudonix()])`.
 *
 * @example
 * const spec = cloudonix({ transferAnnouncement: 'Connecting you now.' });
 */
export function cloudonix(
  settings: CloudonixSettings = {},
): ProviderSpec<CloudonixConfig, CloudonixConfigInput> {
  const request = (
    config: CloudonixConfig,
    operation: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { json?: unknown; ok?: readonly number[] } = {},
  ) => cloudonixRequest(settings, config.bearer_token, operation, method, path, options);
  return {
    specificationVersion: 'v1',
    name: 'cloudonix',
    displayName: 'Cloudonix',
    description: 'Bring your own SIP trunk through Cloudonix, with CXML media streams.',
    docsUrl: DOCS,
    configSchema: cloudonixConfigSchema,
    ui: cloudonixUiFields,
    audio: CLOUDONIX_AUDIO,
    accountIdField: 'domain_id',
    serverManagedFields: [
      { path: 'domain_uuid', accountScoped: true },
      { path: 'application_id', accountScoped: true },
      { path: 'application_uuid', accountScoped: true },
      { path: 'trunk_ids', accountScoped: true },
    ],
    connectivity: 'sip',
    requiresCallerId: true,
    setupChecklist: cloudonixChecklist,
    inbound: cloudonixInbound,
    hooks: {
      beforeSave: (next, previous, context) => provisionCloudonix(next, previous, context, request),
      async afterDelete(stored, context) {
        await deactivateCloudonixTrunks(
          (operation, method, path, options) => request(stored, operation, method, path, options),
          stored,
          context.logger,
        );
      },
    },
    media: { createSerializer: () => new CloudonixMediaSerializer() },
    create: (config, context) => new CloudonixProvider(config, settings, context.logger),
  };
}
