/**
 * "Acme", a small but complete example carrier used by core's tests and by
 * the testkit's contract suite. It is the shape a real provider package has,
 * in one file: config schema, UI metadata, HMAC-signed JSON webhooks, status
 * mapping, a JSON media dialect with base64 mu-law, and REST calls.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mulawDecode, mulawEncode } from '@patchbay/audio';
import { z } from 'zod';
import {
  type CallStatus,
  CarrierApiError,
  InvalidPayloadError,
  jsonResponse,
  type MediaEvent,
  type MediaSerializer,
  normalizePhoneAddress,
  type ProviderSpec,
  type TelephonyProvider,
  UnsupportedFeatureError,
  type WebhookRequest,
  WebhookSignatureError,
} from '../src/index.js';
import { createCallStatusMapper } from '../src/provider-utils.js';

export const acmeConfigSchema = z.object({
  provider: z.literal('acme'),
  account_id: z.string().min(1),
  api_key: z.string().min(8),
  signing_secret: z.string().min(8),
  region: z.enum(['us', 'eu']).default('us'),
  advanced: z.object({ sip_password: z.string().optional() }).optional(),
  application_id: z.string().optional(),
});
export type AcmeConfig = z.infer<typeof acmeConfigSchema>;
/** An Acme configuration as written: region may be left out. */
export type AcmeConfigInput = z.input<typeof acmeConfigSchema>;

export const ACME_STATUS_TABLE: Record<string, CallStatus> = {
  queued: 'queued',
  dialing: 'initiated',
  ringing: 'ringing',
  answered: 'in-progress',
  ended: 'completed',
  busy: 'busy',
  no_answer: 'no-answer',
  failed: 'failed',
  cancelled: 'canceled',
};

const statusPayload = z.object({
  call_id: z.string(),
  status: z.string(),
  duration: z.number().optional(),
});
const inboundPayload = z.object({
  event: z.literal('call.incoming'),
  call_id: z.string(),
  from: z.string(),
  to: z.string(),
  account_id: z.string(),
});
const mediaMessage = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('start'),
    call_id: z.string(),
    stream_id: z.string(),
    params: z.record(z.string(), z.string()).default({}),
  }),
  z.object({ event: z.literal('audio'), payload: z.string() }),
  z.object({ event: z.literal('dtmf'), digit: z.string().length(1) }),
  z.object({ event: z.literal('mark'), name: z.string() }),
  z.object({ event: z.literal('stop'), reason: z.string().optional() }),
]);

export function signAcme(secret: string, url: string, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(url).update(body).digest('hex');
}

function parseJson(request: WebhookRequest, source: string): unknown {
  if (request.json === undefined) throw new InvalidPayloadError(source, 'expected a JSON body');
  return request.json;
}

function strictParse<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new InvalidPayloadError(
      source,
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return result.data;
}

function createAcmeSerializer(): MediaSerializer {
  const audio = { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 } as const;
  let pcm = new Int16Array(160);
  return {
    specificationVersion: 'v1',
    audio,
    maxMessageBytes: 4096,
    decode(message, emit: (event: MediaEvent) => void) {
      if (typeof message !== 'string')
        throw new InvalidPayloadError('acme media message', 'expected a text frame');
      let value: unknown;
      try {
        value = JSON.parse(message);
      } catch (cause) {
        throw new InvalidPayloadError('acme media message', 'not JSON', { cause });
      }
      const parsed = strictParse(mediaMessage, value, 'acme media message');
      switch (parsed.event) {
        case 'start':
          emit({
            type: 'start',
            callId: parsed.call_id,
            streamId: parsed.stream_id,
            customParameters: parsed.params,
          });
          return;
        case 'audio': {
          const bytes = Buffer.from(parsed.payload, 'base64');
          if (pcm.length < bytes.length) pcm = new Int16Array(bytes.length);
          emit({ type: 'audio', samples: mulawDecode(bytes, pcm).subarray(0, bytes.length) });
          return;
        }
        case 'dtmf':
          emit({ type: 'dtmf', digit: parsed.digit });
          return;
        case 'mark':
          emit({ type: 'mark', name: parsed.name });
          return;
        case 'stop':
          emit({ type: 'stop', reason: parsed.reason });
      }
    },
    encodeAudio: (samples) =>
      JSON.stringify({
        event: 'audio',
        payload: Buffer.from(mulawEncode(samples)).toString('base64'),
      }),
    encodeClear: () => JSON.stringify({ event: 'clear' }),
    encodeMark: (name) => JSON.stringify({ event: 'mark', name }),
    encodeHangUp: () => JSON.stringify({ event: 'hangup' }),
  };
}

/** A valid Acme configuration with every secret filled, for tests. */
export const ACME_TEST_CONFIG: AcmeConfig = {
  provider: 'acme',
  account_id: 'AC-1',
  api_key: 'key-0123456789abcdef',
  signing_secret: 'secret-0123456789',
  region: 'us',
  advanced: { sip_password: 'sip-pass-0123456789' },
};

export interface AcmeOptions {
  /** REST base URL; tests point it at a local server. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
}

export function acme(options: AcmeOptions = {}): ProviderSpec<AcmeConfig, AcmeConfigInput> {
  const baseUrl = options.baseUrl ?? 'https://api.acme.invalid';
  const doFetch = options.fetch ?? fetch;
  return {
    specificationVersion: 'v1',
    name: 'acme',
    displayName: 'Acme Telecom',
    docsUrl: 'https://docs.acme.invalid',
    configSchema: acmeConfigSchema,
    ui: [
      { name: 'account_id', label: 'Account ID', type: 'text', required: true },
      { name: 'api_key', label: 'API key', type: 'password', required: true, sensitive: true },
      {
        name: 'signing_secret',
        label: 'Signing secret',
        type: 'password',
        required: true,
        sensitive: true,
      },
      {
        name: 'region',
        label: 'Region',
        type: 'select',
        required: false,
        options: [
          { value: 'us', label: 'US' },
          { value: 'eu', label: 'EU' },
        ],
      },
      {
        name: 'advanced.sip_password',
        label: 'SIP password',
        type: 'password',
        required: false,
        sensitive: true,
        section: 'Advanced',
      },
    ],
    audio: { encoding: 'mulaw', sampleRate: 8000, frameMs: 20 },
    accountIdField: 'account_id',
    serverManagedFields: [{ path: 'application_id', accountScoped: true }],
    connectivity: 'api',
    requiresCallerId: true,
    inbound: {
      matches: (request) => (request.headers['user-agent'] ?? '').startsWith('Acme-Webhooks'),
      parse(request) {
        const body = strictParse(
          inboundPayload,
          parseJson(request, 'acme inbound webhook'),
          'acme inbound webhook',
        );
        return {
          provider: 'acme',
          callId: body.call_id,
          from: normalizePhoneAddress(body.from, { digitsAreInternational: true }).canonical,
          to: normalizePhoneAddress(body.to, { digitsAreInternational: true }).canonical,
          accountId: body.account_id,
          status: 'ringing',
          metadata: {},
        };
      },
      reject: (reason) =>
        jsonResponse({ action: reason === 'concurrency-limit' ? 'busy' : 'hangup' }),
    },
    hooks: {
      async beforeSave(next) {
        // Stands in for "create an application at the carrier once per account".
        // The registry has already carried application_id over into `next`,
        // unless the account changed: then it is gone and is made again.
        return { ...next, application_id: next.application_id ?? `app-${next.account_id}` };
      },
    },
    media: { createSerializer: createAcmeSerializer },
    create(config): TelephonyProvider {
      const mapStatus = createCallStatusMapper({
        provider: 'acme',
        table: ACME_STATUS_TABLE,
        fallback: 'in-progress',
      });
      const call = async (operation: string, method: string, path: string, body?: unknown) => {
        let response: Response;
        try {
          response = await doFetch(`${baseUrl}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${config.api_key}`,
              'content-type': 'application/json',
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
        } catch (cause) {
          throw new CarrierApiError(
            { provider: 'acme', operation, message: 'no response' },
            { cause },
          );
        }
        const text = await response.text();
        if (!response.ok) {
          throw new CarrierApiError({
            provider: 'acme',
            operation,
            message: text.slice(0, 200),
            statusCode: response.status,
          });
        }
        return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      };
      return {
        specificationVersion: 'v1',
        provider: 'acme',
        capabilities: {
          transfers: false,
          answeringMachineDetection: false,
          callCost: false,
          phoneNumberListing: true,
          phoneNumberProvisioning: false,
          inboundBinding: false,
        },
        async placeCall(request) {
          const result = await call('place call', 'POST', `/accounts/${config.account_id}/calls`, {
            to: request.to,
            from: request.from,
            answer_url: request.answerUrl,
            status_url: request.statusCallbackUrl,
          });
          return {
            callId: String(result['id']),
            status: mapStatus(String(result['status'])),
            from: request.from ?? '',
            to: request.to,
            metadata: {},
            warnings: [],
          };
        },
        async getCall(callId) {
          const result = await call(
            'get call',
            'GET',
            `/accounts/${config.account_id}/calls/${callId}`,
          );
          return {
            callId,
            status: mapStatus(String(result['status'])),
            carrierStatus: String(result['status']),
          };
        },
        async hangUp(callId) {
          await call('hang up', 'DELETE', `/accounts/${config.account_id}/calls/${callId}`);
        },
        getCallCost: async () => {
          throw new UnsupportedFeatureError('acme', 'call-cost');
        },
        async listPhoneNumbers() {
          const result = await call(
            'list phone numbers',
            'GET',
            `/accounts/${config.account_id}/numbers`,
          );
          return (result['numbers'] as string[]).map((n) => ({
            address: normalizePhoneAddress(n).canonical,
          }));
        },
        async verifyCredentials() {
          await call('verify credentials', 'GET', `/accounts/${config.account_id}`);
          return { verified: true };
        },
        async validatePhoneNumber(address) {
          const owned = await this.listPhoneNumbers();
          return owned.some((n) => n.address === address)
            ? { ok: true }
            : { ok: false, message: `${address} is not on this Acme account` };
        },
        provisionPhoneNumber: async () => {
          throw new UnsupportedFeatureError('acme', 'phone-number-provisioning');
        },
        bindInbound: async () => {
          throw new UnsupportedFeatureError('acme', 'inbound-binding');
        },
        async verifyWebhook(request) {
          const given = request.headers['x-acme-signature'];
          if (!given) throw new WebhookSignatureError('acme', 'missing', { url: request.url });
          const expected = Buffer.from(
            signAcme(config.signing_secret, request.url, request.rawBody),
            'hex',
          );
          const actual = Buffer.from(given, 'hex');
          if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
            throw new WebhookSignatureError('acme', 'mismatch', {
              url: request.url,
              checkedParameters: ['url', 'body'],
            });
          }
        },
        answerCall: async (request) =>
          jsonResponse({
            action: 'stream',
            url: request.mediaStreamUrl,
            params: request.customParameters,
          }),
        parseStatusCallback(request) {
          const body = strictParse(
            statusPayload,
            parseJson(request, 'acme status callback'),
            'acme status callback',
          );
          return {
            callId: body.call_id,
            status: mapStatus(body.status),
            carrierStatus: body.status,
            ...(body.duration === undefined ? {} : { durationSeconds: body.duration }),
            metadata: {},
          };
        },
        parseAnsweringMachineResult: () => undefined,
        transferCall: async () => {
          throw new UnsupportedFeatureError('acme', 'transfer');
        },
        connectTransfer: async () => {
          throw new UnsupportedFeatureError('acme', 'transfer');
        },
        parseTransferCallback: () => {
          throw new UnsupportedFeatureError('acme', 'transfer');
        },
        sipConnectivity: () => undefined,
      };
    },
  };
}
