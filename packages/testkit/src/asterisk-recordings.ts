import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One step of a recording of a real Asterisk: what the recorder did or saw,
 * at `at` milliseconds from the start. Ids Asterisk assigned are replaced by
 * roles (`{caller}`, `{callee}`); ids the recorder chose stay as they were.
 */
export type AsteriskRecordingStep =
  | { at: number; kind: 'events-open' | 'events-refused'; socket: string }
  | { at: number; kind: 'events-close'; socket: string; code: number; reason: string }
  | { at: number; kind: 'event'; socket: string; event: Record<string, unknown> }
  | {
      at: number;
      kind: 'request';
      /** When it was sent; `at` is when Asterisk answered. */
      sentAt: number;
      method: string;
      path: string;
      query: Record<string, string>;
      status: number;
      body?: unknown;
    }
  | { at: number; kind: 'media-open'; session: number; url: string; protocol: string }
  | { at: number; kind: 'media-in' | 'media-out'; session: number; text: string }
  | {
      at: number;
      kind: 'media-close';
      session: number;
      code: number;
      /** Caller audio frames Asterisk sent, their sizes, and where the caller sent nothing for over 100 ms. */
      frames: number;
      bytes: number;
      sizes: number[];
      gaps: [number, number][];
    }
  /** A SIP peer (sipp) started or ended: `caller:<scenario>` dials in, `callee:<scenario>` answers outbound calls. */
  | { at: number; kind: 'sipp-start' | 'sipp-exit'; label: string; code?: number | null }
  | { at: number; kind: 'note'; text: string };

export interface AsteriskRecording {
  /** e.g. `inbound-caller-hangs-up`. */
  readonly flow: string;
  /** Asterisk's version and the commit it was built from. */
  readonly asterisk: string;
  readonly roles: readonly string[];
  readonly steps: readonly AsteriskRecordingStep[];
}

function recordingsDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const found = [join(here, '..', 'fixtures', 'asterisk'), join(here, 'fixtures', 'asterisk')].find(
    (p) => existsSync(p),
  );
  if (!found) throw new Error(`no Asterisk recordings next to ${here}`);
  return found;
}

/** The flows recorded from a real Asterisk, by name. */
export function asteriskRecordingNames(): string[] {
  return readdirSync(recordingsDir())
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** One recording of a real Asterisk (`fixtures/asterisk/<flow>.json`). */
export function loadAsteriskRecording(flow: string): AsteriskRecording {
  return JSON.parse(
    readFileSync(join(recordingsDir(), `${flow}.json`), 'utf8'),
  ) as AsteriskRecording;
}
