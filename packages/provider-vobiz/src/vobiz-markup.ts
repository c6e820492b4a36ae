import {
  plivoStyleConferenceXml,
  plivoStyleRejectXml,
  plivoStyleStreamXml,
} from '@patchbay/core/provider-utils';

/**
 * Vobiz XML that streams the call both ways ("Initiate a Stream"): custom
 * parameters travel hex-encoded in `extraHeaders` (core's
 * `encodeHexParameters`), read back from the start event.
 */
export function streamXml(options: {
  readonly mediaStreamUrl: string;
  readonly statusCallbackUrl?: string;
  readonly customParameters?: Readonly<Record<string, string>>;
}): string {
  return plivoStyleStreamXml({
    carrier: 'Vobiz',
    ...options,
    streamAttributes: 'audioTrack="inbound"',
  });
}

/** Refuses a call without answering it (`<Hangup reason>`). */
export const rejectXml = plivoStyleRejectXml;

/** Joins the call to a conference that ends when this participant leaves. */
export function conferenceXml(name: string, announcement?: string): string {
  return plivoStyleConferenceXml(name, announcement, 'beep="false"');
}

/** The conference a transfer meets in, derived from its id. */
export function vobizTransferConferenceName(transferId: string): string {
  return `patchbay-transfer-${transferId}`;
}
