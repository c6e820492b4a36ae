import type { z } from 'zod';
import type { InboundCall } from '../calls/call-types.js';
import type { ReplayGuard } from '../http/replay-guard.js';
import type { WebhookRequest } from '../http/webhook-request.js';
import type { WebhookResponse } from '../http/webhook-response.js';
import type { Logger } from '../logger.js';
import type {
  MediaSerializer,
  MediaSerializerOptions,
  WireAudioFormat,
} from '../media/media-serializer.js';
import type { InboundRejectionReason } from './inbound-rejection.js';
import type { ProviderEvent } from './provider-event.js';
import type { ProviderEventSource } from './provider-event-source.js';
import type { ConfigurationState, SetupChecklist } from './setup-checklist.js';
import type { TelephonyProvider } from './telephony-provider.js';
import type { UiField } from './ui-field.js';

/** Every provider configuration names its provider; it is the union's discriminator. */
export interface ProviderConfigBase {
  readonly provider: string;
}

/** What the host gives a provider when it creates one. */
export interface ProviderContext {
  readonly logger: Logger;
  /**
   * The public URL of one of this spec's own routes for this configuration,
   * e.g. `routeUrl('transfer-answer/t-1')`. Hosts that mount spec routes
   * provide it; a provider that needs it and finds it missing throws a
   * ConfigurationError.
   */
  readonly routeUrl?: (path: string) => string;
  /**
   * Where a provider whose carrier signs with a nonce and no timestamp
   * records the nonces it has seen, shared by every process behind the
   * host's URL. Without it such a provider keeps them in its own memory.
   */
  readonly replayGuard?: ReplayGuard;
}

/** What a save or delete hook may use. */
export interface ProviderHookContext {
  readonly logger: Logger;
  /** The host's one inbound webhook URL, for carriers whose numbers or apps must point at it. */
  readonly inboundWebhookUrl: string;
}

/** Hooks that run when a configuration is saved or deleted. */
export interface ProviderHooks<TConfig extends ProviderConfigBase> {
  /**
   * Runs before a configuration is stored, after validation and masked-value
   * restore. May call the carrier (to create an application, look up an id)
   * and return the configuration to store. `previous` is undefined on create.
   * Throw to refuse the save; nothing is stored then.
   */
  readonly beforeSave?: (
    next: TConfig,
    previous: TConfig | undefined,
    context: ProviderHookContext,
  ) => Promise<TConfig>;
  /** Runs after a configuration is deleted: release what `beforeSave` created at the carrier. */
  readonly afterDelete?: (stored: TConfig, context: ProviderHookContext) => Promise<void>;
}

/**
 * Recognising and answering a carrier's inbound webhook before any
 * configuration is known: the host tries every registered spec's `matches`,
 * then parses with the first that claims the request.
 */
export interface InboundHandler {
  /** Cheap and credential-free: headers, user agent, payload shape. */
  matches(request: WebhookRequest): boolean;
  /** @throws InvalidPayloadError */
  parse(request: WebhookRequest): InboundCall;
  /** The carrier's own way to refuse the call (busy tone or hang-up). */
  reject(reason: InboundRejectionReason): WebhookResponse;
  /**
   * True when the carrier ignores the webhook's response (Telnyx's call
   * control), so `reject` cannot end the call: a host that verified the
   * request with a configuration should also `hangUp(callId)` with it.
   */
  readonly rejectionNeedsHangUp?: boolean;
}

/** What a provider's own route handler receives besides the request. */
export interface ProviderRouteContext<TConfig extends ProviderConfigBase> {
  /** The configuration the host resolved from the route's URL, already signature-verified. */
  readonly config: TConfig;
  readonly provider: TelephonyProvider;
  /** Path parameters, e.g. `{ transferId }` for `transfer-result/:transferId`. */
  readonly params: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Hands a normalized event to the host (a status change, a transfer outcome). */
  report(event: ProviderEvent): Promise<void>;
}

/**
 * A carrier-specific webhook the host mounts under the provider's prefix.
 * The host verifies the signature with the configuration's provider before
 * calling `handle`; there is no way to opt out.
 */
export interface ProviderRoute<TConfig extends ProviderConfigBase> {
  readonly method: 'GET' | 'POST';
  /** Relative path with `:name` parameters, e.g. `transfer-result/:transferId`. */
  readonly path: string;
  handle(request: WebhookRequest, context: ProviderRouteContext<TConfig>): Promise<WebhookResponse>;
}

/** A field only the server writes: hidden from reads, never taken from requests. */
export interface ServerManagedField {
  /** Dotted path into the configuration. */
  readonly path: string;
  /** Dropped when the account id changes, so the save hook looks it up again. */
  readonly accountScoped?: boolean;
}

/**
 * Everything Patchbay needs to know about one carrier, exported by its
 * package as a factory (`twilio()`) so that nothing registers on import.
 *
 * `specificationVersion` lets core evolve: a host refuses a spec of a version
 * it does not know, loudly, instead of misusing it.
 */
export interface ProviderSpec<
  TConfig extends ProviderConfigBase = ProviderConfigBase,
  /**
   * The configuration as written, before the schema's defaults and
   * normalization (`z.input<typeof schema>`). Declare it and a registry of
   * your spec type-checks `createProvider`'s argument; left out, any input.
   */
  TConfigInput = unknown,
> {
  readonly specificationVersion: 'v1';
  /** Stable id and config discriminator, e.g. `twilio`. Lower-case letters, digits, dashes and underscores. */
  readonly name: TConfig['provider'];
  readonly displayName: string;
  readonly description?: string;
  readonly docsUrl?: string;
  /** A zod object whose `provider` field is `z.literal(name)`. */
  readonly configSchema: z.ZodType<TConfig, TConfigInput>;
  /** One entry per configuration field; `sensitive` marks the secrets. */
  readonly ui: readonly UiField[];
  /** What the carrier's media socket carries. */
  readonly audio: WireAudioFormat;
  /** Dotted path of the credential that identifies the carrier account; absent where there is none. */
  readonly accountIdField?: string;
  readonly serverManagedFields?: readonly ServerManagedField[];
  /** `api`: the carrier is the phone company. `sip`: bring your own trunk or PBX. */
  readonly connectivity: 'api' | 'sip';
  /** Outbound calls need a caller ID from the configuration's numbers. */
  readonly requiresCallerId: boolean;
  /** Readiness beyond the caller ID rule. Pure: no I/O, it runs on list pages. */
  readonly setupChecklist?: (config: TConfig, state: ConfigurationState) => SetupChecklist;
  readonly inbound: InboundHandler;
  readonly hooks?: ProviderHooks<TConfig>;
  readonly routes?: readonly ProviderRoute<TConfig>[];
  readonly media: {
    /** A serializer for one call's media socket. */
    createSerializer(options?: MediaSerializerOptions): MediaSerializer;
    /**
     * Where the host may carry per-call values (the call and its token) in
     * the media URL it hands the provider. `path` (the default): segments of
     * the path, for carriers that drop a stream URL's query string (Twilio).
     * `query`: the query string, for carriers that dial a fixed URL and
     * append the query to it (Asterisk's chan_websocket client).
     */
    readonly urlParameters?: 'path' | 'query';
  };
  /** A provider bound to one configuration. Pure construction: no I/O. */
  create(config: TConfig, context: ProviderContext): TelephonyProvider;
  /**
   * For carriers that deliver calls over a connection instead of webhooks:
   * the host starts one source per configuration. Absent for webhook carriers.
   */
  readonly eventSource?: (config: TConfig, context: ProviderContext) => ProviderEventSource;
}
