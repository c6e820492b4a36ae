import { alawDecode, alawEncode, mulawDecode, mulawEncode } from '@patchbay/audio';
import {
  CALL_STATUSES,
  type CallStatus,
  type CarrierMessage,
  createRegistry,
  createWebhookRequest,
  type InboundCall,
  type InboundRejectionReason,
  InvalidPayloadError,
  type MediaEvent,
  PatchbayError,
  type ProviderConfigBase,
  type ProviderContext,
  type ProviderSpec,
  silentLogger,
  type TelephonyProvider,
  UnsupportedFeatureError,
  type WebhookRequestInit,
  WebhookSignatureError,
  type WireAudioFormat,
} from '@patchbay/core';
import { describe, expect, it } from 'vitest';

/** What a carrier package supplies for {@link describeProviderContract}: real payloads, recorded or built from the carrier's docs. */
export interface ProviderContractFixtures<TConfig extends ProviderConfigBase> {
  /** A complete, valid configuration with every sensitive field set. */
  readonly config: TConfig;
  /**
   * `false` for carriers that deliver calls over a connection instead of
   * webhooks (Asterisk ARI): signature and inbound-webhook checks are then
   * replaced by checks that every webhook is refused and none is claimed.
   */
  readonly webhooks?: boolean;
  /** Carrier requests signed with `config`'s secret; each must verify. */
  readonly signedWebhooks?: readonly WebhookRequestInit[];
  /** Names of the headers that carry the signature (removed to test that checks fail closed). */
  readonly signatureHeaders?: readonly string[];
  /**
   * Whether the carrier's signature covers the request URL (Twilio, Plivo:
   * yes, the default) or only the body (Vonage's JWT, Telnyx's Ed25519).
   */
  readonly signatureCoversUrl?: boolean;
  /**
   * Whether it covers the body (the default), or the carrier only sends a
   * shared key that proves the sender but not the content (Cloudonix).
   */
  readonly signatureCoversBody?: boolean;
  /**
   * Whether it covers the URL's query (the default) or only what comes
   * before it (Vobiz signs the URL with its query removed).
   */
  readonly signatureCoversQuery?: boolean;
  /**
   * Whether the provider refuses a signature's nonce reused with another
   * request (`reason: 'replayed'`), as it must when the signature leaves the
   * body out. A carrier's retry (the same request again) is still accepted.
   */
  readonly signatureReplayProtected?: boolean;
  /** One status callback per documented carrier status, with the status it must map to. */
  readonly statusCallbacks: readonly {
    readonly request: WebhookRequestInit;
    readonly expected: CallStatus;
  }[];
  /** A callback with a status the carrier never documented: it must map, not throw. */
  readonly unknownStatusCallback?: WebhookRequestInit;
  readonly inbound?: {
    readonly request: WebhookRequestInit;
    readonly expected: Partial<InboundCall>;
    /** Other carriers' webhooks that this spec must not claim. */
    readonly foreign?: readonly WebhookRequestInit[];
  };
  readonly media: {
    /** A recorded media session, carrier to host, in order. */
    readonly transcript: readonly CarrierMessage[];
    /** Event types the transcript must produce, in order of first appearance. */
    readonly expectedEvents: readonly MediaEvent['type'][];
  };
  /** Inputs the carrier could send that are broken: each must give a typed error. */
  readonly malformed?: {
    readonly statusCallbacks?: readonly WebhookRequestInit[];
    readonly inbound?: readonly WebhookRequestInit[];
    readonly mediaMessages?: readonly CarrierMessage[];
  };
  readonly context?: Partial<ProviderContext>;
}

const SECRET_NAME = /(secret|token|password|passwd|private[_-]?key|api[_-]?key|auth[_-]?id)/i;
const REJECTION_REASONS: InboundRejectionReason[] = [
  'number-not-configured',
  'agent-not-configured',
  'configuration-inactive',
  'account-mismatch',
  'signature-invalid',
  'concurrency-limit',
  'draining',
  'internal-error',
];

function getPath(target: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      target,
    );
}

function codecRoundTrip(format: WireAudioFormat, samples: Int16Array): Int16Array {
  if (format.encoding === 'mulaw') return mulawDecode(mulawEncode(samples));
  if (format.encoding === 'alaw') return alawDecode(alawEncode(samples));
  return samples;
}

function speechLikeFrame(length: number): Int16Array {
  let seed = 7;
  return Int16Array.from({ length }, (_, i) => {
    seed = (seed * 48271) % 2147483647;
    return Math.round(6000 * Math.sin(i / 3.1) + 3000 * Math.sin(i / 1.7) + ((seed % 2000) - 1000));
  });
}

function decodeAll(
  spec: ProviderSpec<ProviderConfigBase>,
  messages: readonly CarrierMessage[],
): MediaEvent[] {
  const serializer = spec.media.createSerializer();
  const events: MediaEvent[] = [];
  for (const message of messages) {
    serializer.decode(message, (event) => {
      events.push(
        event.type === 'audio' ? { type: 'audio', samples: event.samples.slice() } : event,
      );
    });
  }
  return events;
}

/** Expects `action` to throw a Patchbay error (a typed one), never a TypeError or the like. */
function expectTypedError(
  action: () => unknown,
  kind: (error: unknown) => boolean = PatchbayError.isInstance,
): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a typed Patchbay error').toBeDefined();
  expect(kind(thrown), `expected a typed Patchbay error, got ${String(thrown)}`).toBe(true);
}

function withBody(init: WebhookRequestInit, body: Uint8Array | string): WebhookRequestInit {
  return { ...init, body };
}

/**
 * The contract every Patchbay provider package passes: run it in the
 * package's own vitest suite with recorded fixtures.
 *
 * @example
 * describeProviderContract(twilio(), twilioFixtures);
 */
export function describeProviderContract<TConfig extends ProviderConfigBase>(
  spec: ProviderSpec<TConfig>,
  fixtures: ProviderContractFixtures<TConfig>,
): void {
  const anySpec = spec as unknown as ProviderSpec<ProviderConfigBase>;
  const context: ProviderContext = { logger: silentLogger, ...fixtures.context };
  const provider = (): TelephonyProvider => spec.create(fixtures.config, context);
  const sensitive = spec.ui.filter((field) => field.sensitive).map((field) => field.name);
  const secretValues = () =>
    sensitive
      .map((path) => String(getPath(fixtures.config, path) ?? ''))
      .filter((v) => v.length >= 4);

  describe(`${spec.name}: provider contract`, () => {
    describe('specification', () => {
      it('implements specification v1 under a stable name', () => {
        expect(spec.specificationVersion).toBe('v1');
        expect(spec.name).toMatch(/^[a-z][a-z0-9_-]*$/);
        expect(spec.displayName.length).toBeGreaterThan(0);
      });

      it('registers in a registry', () => {
        expect(createRegistry([anySpec]).names).toEqual([spec.name]);
      });

      it('accepts its fixture configuration and rejects one naming another provider', () => {
        expect(spec.configSchema.safeParse(fixtures.config).success).toBe(true);
        expect(
          spec.configSchema.safeParse({ ...fixtures.config, provider: `not-${spec.name}` }).success,
        ).toBe(false);
        expect(
          spec.configSchema.safeParse({ provider: spec.name }).success,
          'an empty configuration must not validate',
        ).toBe(false);
      });

      it('describes only fields the configuration has', () => {
        const shape = (spec.configSchema as unknown as { shape?: Record<string, unknown> }).shape;
        expect(shape, 'configSchema must be a zod object').toBeDefined();
        for (const field of spec.ui)
          expect(Object.keys(shape ?? {}), `ui field ${field.name}`).toContain(
            field.name.split('.')[0],
          );
        if (spec.accountIdField)
          expect(Object.keys(shape ?? {})).toContain(spec.accountIdField.split('.')[0]);
      });

      it('marks every field that holds a secret as sensitive', () => {
        for (const field of spec.ui) {
          if (field.type === 'password' || SECRET_NAME.test(field.name)) {
            expect(field.sensitive, `${field.name} looks like a secret`).toBe(true);
          }
        }
      });

      it('declares a wire audio format the bridge can run', () => {
        expect(['mulaw', 'alaw', 'pcm16']).toContain(spec.audio.encoding);
        expect([8000, 16000, 24000, 48000]).toContain(spec.audio.sampleRate);
        expect(spec.audio.frameMs).toBeGreaterThanOrEqual(10);
        expect(spec.audio.frameMs).toBeLessThanOrEqual(60);
      });
    });

    describe('secrets', () => {
      it('has every sensitive field filled in the fixture, so these checks mean something', () => {
        for (const path of sensitive) expect(getPath(fixtures.config, path), path).toBeTruthy();
      });

      it('never shows a sensitive value in a masked read', () => {
        const masked = JSON.stringify(createRegistry([anySpec]).maskConfig(fixtures.config));
        for (const secret of secretValues()) expect(masked).not.toContain(secret);
      });

      it('restores every secret whose mask is submitted back, and takes new values', async () => {
        const registry = createRegistry([anySpec]);
        // The save hook may call the carrier; the masking round trip is about the registry alone.
        const { hooks: _hooks, ...hookless } = anySpec;
        const plain = createRegistry([hookless]);
        // No carrier answers here: proving credentials is each provider's own REST test.
        const context = {
          logger: silentLogger,
          inboundWebhookUrl: 'https://host.invalid/inbound',
          verifyCredentials: false,
        };
        const restored = await plain.prepareSave(
          registry.maskConfig(fixtures.config),
          fixtures.config,
          context,
        );
        for (const path of sensitive)
          expect(getPath(restored, path), path).toEqual(getPath(fixtures.config, path));
        // Rotate one secret, a password-type one if there is one, keeping its format.
        const rotated =
          spec.ui.find((f) => f.sensitive && f.type === 'password')?.name ?? sensitive[0];
        if (rotated !== undefined) {
          const changed = registry.maskConfig(fixtures.config);
          const current = new TextEncoder().encode(String(getPath(fixtures.config, rotated)));
          const replacement = new TextDecoder().decode(tamperOneByte(current));
          setPathValue(changed, rotated, replacement);
          const saved = await plain.prepareSave(changed, fixtures.config, context);
          expect(getPath(saved, rotated)).toBe(replacement);
        }
      });
    });

    describe('status callbacks', () => {
      it('has a fixture for completed calls and for calls that never connected', () => {
        const covered = new Set(fixtures.statusCallbacks.map((f) => f.expected));
        expect(covered.has('completed')).toBe(true);
        expect(['busy', 'no-answer', 'failed'].some((s) => covered.has(s as CallStatus))).toBe(
          true,
        );
      });

      for (const [index, fixture] of fixtures.statusCallbacks.entries()) {
        it(`maps status fixture ${index + 1} to ${fixture.expected}`, () => {
          const update = provider().parseStatusCallback(createWebhookRequest(fixture.request));
          expect(update.status).toBe(fixture.expected);
          expect(CALL_STATUSES).toContain(update.status);
          expect(update.callId.length).toBeGreaterThan(0);
        });
      }

      if (fixtures.unknownStatusCallback) {
        const unknown = fixtures.unknownStatusCallback;
        it('maps a status the carrier never documented into the vocabulary', () => {
          const update = provider().parseStatusCallback(createWebhookRequest(unknown));
          expect(CALL_STATUSES).toContain(update.status);
        });
      }

      it('answers broken callbacks with a typed error', () => {
        const template = fixtures.statusCallbacks[0]!.request;
        const broken: WebhookRequestInit[] = [
          { ...template, headers: {}, body: '' },
          { ...template, headers: { 'content-type': 'application/json' }, body: '[]' },
          {
            ...template,
            headers: { 'content-type': 'application/json' },
            body: '{"unexpected":true}',
          },
          {
            ...template,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'nothing=useful',
          },
          { ...template, headers: { 'content-type': 'text/plain' }, body: 'hello' },
          ...(fixtures.malformed?.statusCallbacks ?? []),
        ];
        for (const init of broken) {
          expectTypedError(() => provider().parseStatusCallback(createWebhookRequest(init)));
        }
      });
    });

    if (fixtures.webhooks === false) {
      describe('webhooks', () => {
        it('has none: every webhook is refused and none is claimed as a call', async () => {
          const init = {
            method: 'POST',
            url: 'https://host.invalid/telephony/inbound',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          };
          await expect(provider().verifyWebhook(createWebhookRequest(init))).rejects.toSatisfy(
            WebhookSignatureError.isInstance,
          );
          expect(spec.inbound.matches(createWebhookRequest(init))).toBe(false);
        });
      });
    } else {
      const signedWebhooks = fixtures.signedWebhooks ?? [];
      const signatureHeaders = fixtures.signatureHeaders ?? [];
      const inbound = fixtures.inbound!;
      describe('webhook signatures', () => {
        it('accepts every signed fixture', async () => {
          expect(signedWebhooks.length).toBeGreaterThan(0);
          for (const init of signedWebhooks) {
            await expect(
              provider().verifyWebhook(createWebhookRequest(init)),
            ).resolves.toBeUndefined();
          }
        });

        if (fixtures.signatureCoversBody !== false) {
          it('rejects a one-byte change to the body', async () => {
            for (const init of signedWebhooks) {
              const body =
                init.body === undefined
                  ? new Uint8Array()
                  : typeof init.body === 'string'
                    ? new TextEncoder().encode(init.body)
                    : init.body;
              if (body.length === 0) continue;
              const tampered = tamperOneByte(body);
              await expect(
                provider().verifyWebhook(createWebhookRequest(withBody(init, tampered))),
              ).rejects.toSatisfy(WebhookSignatureError.isInstance);
            }
          });
        }

        if (fixtures.signatureCoversUrl !== false) {
          it('rejects a request for another URL', async () => {
            for (const init of signedWebhooks) {
              const url = new URL(init.url);
              url.pathname = `${url.pathname}x`;
              await expect(
                provider().verifyWebhook(createWebhookRequest({ ...init, url: url.toString() })),
              ).rejects.toSatisfy(WebhookSignatureError.isInstance);
            }
          });
        }

        it('fails closed when the signature is missing', async () => {
          expect(signatureHeaders.length).toBeGreaterThan(0);
          for (const init of signedWebhooks) {
            const headers = Object.fromEntries(
              Object.entries(init.headers).filter(
                ([name]) => !signatureHeaders.includes(name.toLowerCase()),
              ),
            );
            await expect(
              provider().verifyWebhook(createWebhookRequest({ ...init, headers })),
            ).rejects.toSatisfy(WebhookSignatureError.isInstance);
          }
        });

        if (fixtures.signatureReplayProtected) {
          it('refuses a nonce reused with another request, and accepts a retry', async () => {
            for (const init of signedWebhooks) {
              await provider().verifyWebhook(createWebhookRequest(init));
              await expect(
                provider().verifyWebhook(createWebhookRequest(init)),
              ).resolves.toBeUndefined();
              const body =
                typeof init.body === 'string'
                  ? new TextEncoder().encode(init.body)
                  : (init.body ?? new Uint8Array([0x30]));
              const error = await provider()
                .verifyWebhook(createWebhookRequest(withBody(init, tamperOneByte(body))))
                .then(
                  () => undefined,
                  (e: unknown) => e,
                );
              expect(WebhookSignatureError.isInstance(error)).toBe(true);
              expect((error as WebhookSignatureError).reason).toBe('replayed');
            }
          });
        }

        it('names the URL it checked and never a secret', async () => {
          const init = signedWebhooks[0]!;
          const forgedHeaders = Object.fromEntries(
            Object.entries(init.headers).map(([name, value]) =>
              signatureHeaders.includes(name.toLowerCase()) && typeof value === 'string'
                ? [name, `x${value.slice(1)}`]
                : [name, value],
            ),
          );
          const tampered =
            fixtures.signatureCoversUrl === false && fixtures.signatureCoversBody === false
              ? { ...init, headers: forgedHeaders }
              : fixtures.signatureCoversUrl === false
                ? {
                    ...init,
                    body: tamperOneByte(
                      typeof init.body === 'string'
                        ? new TextEncoder().encode(init.body)
                        : (init.body ?? new Uint8Array([0x30])),
                    ),
                  }
                : fixtures.signatureCoversQuery === false
                  ? { ...init, url: init.url.replace(/([^/?#])([?#]|$)/, '$1x$2') }
                  : { ...init, url: `${init.url}${init.url.includes('?') ? '&' : '?'}tampered=1` };
          const error = await provider()
            .verifyWebhook(createWebhookRequest(tampered))
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(WebhookSignatureError.isInstance(error)).toBe(true);
          const text = `${(error as Error).message} ${JSON.stringify((error as WebhookSignatureError).toJSON())}`;
          expect(text).toContain(tampered.url);
          for (const secret of secretValues()) expect(text).not.toContain(secret);
        });
      });

      describe('inbound calls', () => {
        it('recognises and parses its own inbound webhook', () => {
          const request = createWebhookRequest(inbound.request);
          expect(spec.inbound.matches(request)).toBe(true);
          const call = spec.inbound.parse(request);
          expect(call).toMatchObject({ provider: spec.name, ...inbound.expected });
          expect(call.callId.length).toBeGreaterThan(0);
        });

        it('does not claim other carriers’ webhooks', () => {
          for (const init of inbound.foreign ?? [])
            expect(spec.inbound.matches(createWebhookRequest(init))).toBe(false);
        });

        it('answers a broken inbound webhook with a typed error', () => {
          const template = inbound.request;
          const broken: WebhookRequestInit[] = [
            { ...template, body: '' },
            {
              ...template,
              headers: { ...template.headers, 'content-type': 'application/json' },
              body: '{}',
            },
            ...(fixtures.malformed?.inbound ?? []),
          ];
          for (const init of broken)
            expectTypedError(() => spec.inbound.parse(createWebhookRequest(init)));
        });

        it('builds the carrier’s own rejection for every reason', () => {
          for (const reason of REJECTION_REASONS) {
            const response = spec.inbound.reject(reason);
            expect(response.status, reason).toBeGreaterThanOrEqual(200);
            expect(response.status, reason).toBeLessThan(500);
            // The caller learns nothing about the host's configuration.
            expect(response.body.toLowerCase()).not.toContain('configur');
          }
        });
      });
    }

    describe('media serializer', () => {
      it('decodes the recorded transcript into the expected events', () => {
        const events = decodeAll(anySpec, fixtures.media.transcript);
        const order = events.map((e) => e.type).filter((type, i, all) => all.indexOf(type) === i);
        expect(order).toEqual(fixtures.media.expectedEvents);
        const frame = Math.round((spec.audio.sampleRate * spec.audio.frameMs) / 1000);
        const audio = events.filter(
          (e): e is Extract<MediaEvent, { type: 'audio' }> => e.type === 'audio',
        );
        for (const event of audio)
          expect(event.samples.length % frame === 0 || event.samples.length > 0).toBe(true);
      });

      it('declares a message size limit its own recorded traffic fits under', () => {
        const serializer = spec.media.createSerializer();
        expect(Number.isInteger(serializer.maxMessageBytes)).toBe(true);
        // Room for the carrier's frames, yet far below what would let one peer hog memory.
        expect(serializer.maxMessageBytes).toBeGreaterThanOrEqual(1024);
        expect(serializer.maxMessageBytes).toBeLessThanOrEqual(1024 * 1024);
        const size = (message: CarrierMessage) =>
          typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
        for (const message of fixtures.media.transcript)
          expect(size(message)).toBeLessThanOrEqual(serializer.maxMessageBytes);
      });

      it('decodes its own audio encoding back to the same samples', () => {
        const serializer = spec.media.createSerializer();
        const frame = speechLikeFrame(
          Math.round((spec.audio.sampleRate * spec.audio.frameMs) / 1000),
        );
        const decoded: Int16Array[] = [];
        serializer.decode(serializer.encodeAudio(frame), (event) => {
          if (event.type === 'audio') decoded.push(event.samples.slice());
        });
        expect(decoded).toHaveLength(1);
        expect(Array.from(decoded[0]!)).toEqual(Array.from(codecRoundTrip(spec.audio, frame)));
      });

      it('reads text frames from their bytes (decodeText) exactly as decode reads them', () => {
        const probe = spec.media.createSerializer();
        if (probe.decodeText === undefined) return; // optional: the bridge then calls decode
        const text = [
          ...fixtures.media.transcript,
          ...(fixtures.malformed?.mediaMessages ?? []),
        ].filter((message): message is string => typeof message === 'string');
        const collect = (bytes: boolean) => {
          const serializer = spec.media.createSerializer();
          return text.map((message) => {
            const events: unknown[] = [];
            const emit = (event: MediaEvent) =>
              events.push(
                event.type === 'audio'
                  ? { type: 'audio', samples: Array.from(event.samples) }
                  : { ...event },
              );
            try {
              if (bytes) serializer.decodeText!(new TextEncoder().encode(message), emit);
              else serializer.decode(message, emit);
              return { events };
            } catch (error) {
              return {
                events,
                error: PatchbayError.isInstance(error) ? error.code : String(error),
              };
            }
          });
        };
        expect(collect(true)).toEqual(collect(false));
      });

      it('encodes clear, mark and hang-up as messages, or says it has none', () => {
        const serializer = spec.media.createSerializer();
        for (const message of [
          serializer.encodeClear(),
          serializer.encodeMark('m1'),
          serializer.encodeHangUp(),
        ]) {
          expect(
            message === undefined || typeof message === 'string' || message instanceof Uint8Array,
          ).toBe(true);
        }
      });

      it('answers malformed media messages with a typed error, never a crash', () => {
        const junk: CarrierMessage[] = [
          '{',
          '[]',
          'null',
          '{"event":42}',
          '"text"',
          new Uint8Array([0xff, 0x00]),
          ...(fixtures.malformed?.mediaMessages ?? []),
        ];
        for (const message of junk) {
          try {
            spec.media.createSerializer().decode(message, () => {});
          } catch (error) {
            expect(
              InvalidPayloadError.isInstance(error) || PatchbayError.isInstance(error),
              `${String(error)} for ${String(message)}`,
            ).toBe(true);
          }
        }
        for (const message of fixtures.malformed?.mediaMessages ?? []) {
          expectTypedError(() => spec.media.createSerializer().decode(message, () => {}));
        }
      });
    });

    describe('capabilities', () => {
      it('throws UnsupportedFeatureError for every capability it lacks, never a silent no-op', async () => {
        const instance = provider();
        const calls: [keyof TelephonyProvider['capabilities'], () => Promise<unknown>][] = [
          [
            'transfers',
            () =>
              instance.transferCall({
                callId: 'c',
                destination: '+15550100',
                transferId: 't',
                statusCallbackUrl: 'https://h/t',
                timeoutSeconds: 30,
              }),
          ],
          ['callCost', () => instance.getCallCost('c')],
          ['phoneNumberListing', () => instance.listPhoneNumbers()],
          ['phoneNumberProvisioning', () => instance.provisionPhoneNumber('+15550100')],
          [
            'inboundBinding',
            () => instance.bindInbound('+15550100', { webhookUrl: 'https://h/inbound' }),
          ],
          ['transfers', () => instance.connectTransfer({ callId: 'c', transferId: 't' })],
        ];
        for (const [capability, call] of calls) {
          if (instance.capabilities[capability]) continue;
          await expect(call(), capability).rejects.toSatisfy(UnsupportedFeatureError.isInstance);
        }
      });
    });
  });
}

function setPathValue(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let current = target;
  for (const key of keys.slice(0, -1)) current = current[key] as Record<string, unknown>;
  current[keys[keys.length - 1]!] = value;
}

/**
 * Changes the last letter or digit of a body to another of its kind, so that
 * form and JSON bodies still parse and only the signature can catch it.
 */
function tamperOneByte(body: Uint8Array): Uint8Array {
  const tampered = body.slice();
  for (let i = tampered.length - 1; i >= 0; i--) {
    const byte = tampered[i]!;
    if (byte >= 0x30 && byte <= 0x39) tampered[i] = byte === 0x39 ? 0x30 : byte + 1;
    else if (byte >= 0x61 && byte <= 0x7a) tampered[i] = byte === 0x7a ? 0x61 : byte + 1;
    else if (byte >= 0x41 && byte <= 0x5a) tampered[i] = byte === 0x5a ? 0x41 : byte + 1;
    else continue;
    return tampered;
  }
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
  return tampered;
}
