import type { CarrierMessage } from './media-serializer.js';

/**
 * The part of a WebSocket the media bridge uses. A `ws` WebSocket satisfies
 * it as is; so can any socket with the same calls.
 */
export interface CarrierSocket {
  /** 1 while open, as in the WebSocket standard. */
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  on(
    event: 'message',
    listener: (data: Uint8Array | ArrayBuffer | Uint8Array[], isBinary: boolean) => void,
  ): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The WebSocket standard's readyState for an open socket. */
export const SOCKET_OPEN = 1;

const utf8 = new TextDecoder();

/** Turns what a `ws` socket hands its message listener into a {@link CarrierMessage}. */
export function toCarrierMessage(
  data: Uint8Array | ArrayBuffer | Uint8Array[],
  isBinary: boolean,
): CarrierMessage {
  let bytes: Uint8Array;
  if (Array.isArray(data)) {
    bytes = new Uint8Array(data.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of data) {
      bytes.set(part, offset);
      offset += part.length;
    }
  } else {
    bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  }
  return isBinary ? bytes : utf8.decode(bytes);
}
