/**
 * What Plivo and the carriers that copied its API (Vobiz) share: the form
 * fields of their answer, status, machine-detection and transfer
 * callbacks, and the transfer that dials a destination into a conference
 * and moves the caller there. Each carrier package supplies its own status
 * table, address normaliser and markup; nothing here knows a carrier.
 */
import type { CallStatus } from '../calls/call-status.js';
import type {
  AnsweringMachineResult,
  CallStatusUpdate,
  InboundCall,
  TransferResult,
  TransferStatus,
} from '../calls/call-types.js';
import { InvalidPayloadError } from '../errors/invalid-payload-error.js';
import { encodeHexParameters } from '../http/hex-parameters.js';
import type { WebhookRequest } from '../http/webhook-request.js';
import { escapeXml, type WebhookResponse, xmlResponse } from '../http/webhook-response.js';
import type { ProviderConfigBase, ProviderRoute } from '../provider/provider-spec.js';

/** How one carrier reads the dialect's fields. */
export interface PlivoStyleFields {
  /** The carrier's name, for error messages: `Vobiz`. */
  readonly carrier: string;
  /** Its CallStatus and Event values, mapped (core's createCallStatusMapper). */
  readonly mapStatus: (raw: string) => CallStatus;
  /** Its `From`/`To` values as Patchbay addresses (`+E.164`, `sip:` URIs). */
  readonly address: (value: string) => string;
}

function formOf(request: WebhookRequest, source: string): URLSearchParams {
  if (!request.form) throw new InvalidPayloadError(source, 'expected a form-encoded body');
  return request.form;
}

/**
 * A ring, answer or hangup callback: `CallUUID` (or `RequestUUID` before
 * the call has one), `CallStatus` or else `Event`, `Duration`, `Direction`,
 * `HangupCause`, `From`, `To`.
 */
export function parsePlivoStyleStatusCallback(
  request: WebhookRequest,
  fields: PlivoStyleFields,
): CallStatusUpdate {
  const source = `${fields.carrier} status callback`;
  const form = formOf(request, source);
  const callId = form.get('CallUUID') || form.get('RequestUUID');
  if (!callId) throw new InvalidPayloadError(source, 'neither CallUUID nor RequestUUID is present');
  const raw = form.get('CallStatus') || form.get('Event');
  if (!raw) throw new InvalidPayloadError(source, 'neither CallStatus nor Event is present');
  const duration = form.get('Duration') ?? form.get('BillDuration');
  const direction = form.get('Direction');
  const reason = form.get('HangupCause') ?? form.get('HangupCauseName');
  const from = form.get('From');
  const to = form.get('To');
  return {
    callId,
    status: fields.mapStatus(raw),
    carrierStatus: raw,
    ...(duration && Number.isFinite(Number(duration)) ? { durationSeconds: Number(duration) } : {}),
    ...(from ? { from: fields.address(from) } : {}),
    ...(to ? { to: fields.address(to) } : {}),
    ...(direction
      ? { direction: direction === 'inbound' ? ('inbound' as const) : ('outbound' as const) }
      : {}),
    ...(reason ? { reason } : {}),
    metadata: {
      requestUuid: form.get('RequestUUID') ?? undefined,
      event: form.get('Event') ?? undefined,
    },
  };
}

/** The answer webhook of an inbound call: `CallUUID`, `From`, `To`, `Direction=inbound`. */
export function parsePlivoStyleInbound(
  request: WebhookRequest,
  fields: PlivoStyleFields & { readonly provider: string },
): InboundCall {
  const source = `${fields.carrier} inbound webhook`;
  const form = formOf(request, source);
  const field = (name: string) => {
    const value = form.get(name);
    if (!value) throw new InvalidPayloadError(source, `the ${name} field is missing`);
    return value;
  };
  const direction = form.get('Direction');
  if (direction && direction !== 'inbound')
    throw new InvalidPayloadError(source, `Direction is "${direction}", not inbound`);
  const account = form.get('AuthID') ?? form.get('ParentAuthID') ?? undefined;
  return {
    provider: fields.provider,
    callId: field('CallUUID'),
    from: fields.address(field('From')),
    to: fields.address(field('To')),
    accountId: account || undefined,
    status: fields.mapStatus(form.get('CallStatus') ?? 'ringing'),
    metadata: {},
  };
}

/** A machine-detection callback (`Machine=true|false`), or undefined for any other request. */
export function parsePlivoStyleMachineDetection(
  request: WebhookRequest,
): AnsweringMachineResult | undefined {
  const machine = request.form?.get('Machine');
  const callId = request.form?.get('CallUUID');
  if (!machine || !callId) return undefined;
  return {
    callId,
    answeredBy: machine.toLowerCase() === 'true' ? 'machine' : 'human',
    carrierLabel: `Machine=${machine}`,
  };
}

/** A transfer destination leg's hang-up cause (Q.850 names), as a transfer outcome. */
export function transferStatusFromHangupCause(
  hangupCause: string | null | undefined,
): TransferStatus {
  switch ((hangupCause ?? '').toUpperCase()) {
    case '':
      return 'pending';
    case 'NORMAL_CLEARING':
      return 'completed';
    case 'USER_BUSY':
      return 'busy';
    case 'NO_ANSWER':
    case 'NO_USER_RESPONSE':
    case 'ORIGINATOR_CANCEL':
      return 'no-answer';
    default:
      return 'failed';
  }
}

/** The hangup callback of a transfer's destination leg. */
export function parsePlivoStyleTransferCallback(
  request: WebhookRequest,
  transferId: string,
  carrier: string,
): TransferResult {
  const form = formOf(request, `${carrier} transfer callback`);
  const cause = form.get('HangupCause');
  const status = cause
    ? transferStatusFromHangupCause(cause)
    : form.get('CallStatus') === 'in-progress'
      ? 'answered'
      : 'pending';
  const leg = form.get('CallUUID');
  return {
    transferId,
    status,
    ...(leg ? { legCallId: leg } : {}),
    metadata: { hangupCause: cause ?? undefined },
  };
}

/**
 * The route a transfer's destination fetches when it answers (and the
 * caller, with `?leg=aleg`, once moved): both get `conference(transferId,
 * isCaller)`, and the destination's answer is reported as `answered`.
 */
export function conferenceTransferRoute<TConfig extends ProviderConfigBase>(
  path: string,
  conference: (transferId: string, isCaller: boolean) => string,
): ProviderRoute<TConfig> {
  return {
    method: 'POST',
    path: `${path}/:transferId`,
    async handle(request, context): Promise<WebhookResponse> {
      const transferId = context.params['transferId'] ?? '';
      const isCaller = request.query.get('leg') === 'aleg';
      if (!isCaller) {
        const leg = request.form?.get('CallUUID');
        await context.report({
          type: 'transfer',
          result: {
            transferId,
            status: 'answered',
            ...(leg ? { legCallId: leg } : {}),
            metadata: {},
          },
        });
      }
      return xmlResponse(conference(transferId, isCaller));
    },
  };
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
// Both carriers' <Stream extraHeaders> take at most 512 bytes of letters and digits.
const EXTRA_HEADERS_LIMIT = 512;

/**
 * The `<Stream>` document: bidirectional mu-law at 8 kHz, `keepCallAlive`
 * so the call lasts as long as the stream, custom parameters hex-encoded in
 * `extraHeaders`. `streamAttributes` adds a carrier's own (`audioTrack`).
 */
export function plivoStyleStreamXml(options: {
  readonly carrier: string;
  readonly mediaStreamUrl: string;
  readonly statusCallbackUrl?: string | undefined;
  readonly customParameters?: Readonly<Record<string, string>> | undefined;
  readonly streamAttributes?: string;
}): string {
  const callback = options.statusCallbackUrl
    ? ` statusCallbackUrl="${escapeXml(options.statusCallbackUrl)}" statusCallbackMethod="POST"`
    : '';
  const extra =
    Object.keys(options.customParameters ?? {}).length > 0
      ? ` extraHeaders="${encodeHexParameters(options.customParameters!, {
          source: `${options.carrier} stream parameters`,
          maxLength: EXTRA_HEADERS_LIMIT,
        })}"`
      : '';
  const own = options.streamAttributes ? ` ${options.streamAttributes}` : '';
  return `${XML_DECLARATION}<Response><Stream bidirectional="true"${own} keepCallAlive="true" contentType="audio/x-mulaw;rate=8000"${callback}${extra}>${escapeXml(options.mediaStreamUrl)}</Stream></Response>`;
}

/** Refuses a call without answering it: `<Hangup reason>`. */
export function plivoStyleRejectXml(reason: 'busy' | 'rejected'): string {
  return `${XML_DECLARATION}<Response><Hangup reason="${reason}"/></Response>`;
}

/**
 * Joins the call to a conference that ends when this participant leaves,
 * after an optional announcement; `attributes` silences the carrier's tones.
 */
export function plivoStyleConferenceXml(
  name: string,
  announcement: string | undefined,
  attributes: string,
): string {
  const speak = announcement ? `<Speak>${escapeXml(announcement)}</Speak>` : '';
  return `${XML_DECLARATION}<Response>${speak}<Conference endConferenceOnExit="true" ${attributes}>${escapeXml(name)}</Conference></Response>`;
}
