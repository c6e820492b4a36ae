import { randomBytes } from 'node:crypto';
import type { AriConfig } from './ari-config.js';
import { dialString } from './ari-naming.js';

/**
 * One Stasis application on one Asterisk, as the shared ARI implementation
 * sees it. An ARI configuration maps onto it directly; a package that puts
 * Asterisk in front of something else (3CX through an Asterisk bridge)
 * describes its own and gets the same calls, media, transfers and events.
 */
export interface AsteriskTarget {
  /** Provider name in errors, logs and events, e.g. `ari`. */
  readonly provider: string;
  /** ARI base URL, e.g. `http://pbx.example.com:8088`. */
  readonly ariEndpoint: string;
  /** ari.conf user and password. */
  readonly username: string;
  readonly password: string;
  /** The Stasis application that receives the calls. */
  readonly stasisApp: string;
  /** The websocket_client.conf section externalMedia dials for media. */
  readonly mediaClient: string;
  /** The caller id outbound calls present when the request names none. */
  readonly defaultCallerId?: string;
  /** The originate endpoint for a destination number or channel string. */
  dialString(destination: string): string;
  /**
   * The account id of an inbound call, from the `Stasis()` arguments and the
   * dialled extension, so a host can match the configuration it belongs to.
   */
  inboundAccountId?(call: {
    readonly args: readonly string[];
    readonly exten: string | undefined;
  }): string | undefined;
}

/** The Stasis application of an ARI configuration: minted on create; legacy ones without it used the ARI user. */
export function stasisApplication(config: AriConfig): string {
  return config.stasis_app_name ?? config.app_name;
}

/** An ARI configuration as an {@link AsteriskTarget}. */
export function ariTarget(config: AriConfig): AsteriskTarget {
  return {
    provider: 'ari',
    ariEndpoint: config.ari_endpoint,
    username: config.app_name,
    password: config.app_password,
    stasisApp: stasisApplication(config),
    mediaClient: config.ws_client_name,
    dialString: (destination) => dialString(config.dial_template, destination),
  };
}

/**
 * A configuration's Stasis application name: minted once, on create
 * (`patchbay_` + 12 hex, so tenants on one Asterisk never share one), and
 * kept as stored after: a client cannot choose or change it. A configuration
 * stored before names were minted keeps using its ARI user.
 */
export function withStasisApplication<T extends { readonly stasis_app_name?: string | undefined }>(
  next: T,
  previous: T | undefined,
): T {
  if (previous === undefined)
    return { ...next, stasis_app_name: `patchbay_${randomBytes(6).toString('hex')}` };
  const { stasis_app_name: _ignored, ...rest } = next;
  return (
    previous.stasis_app_name ? { ...rest, stasis_app_name: previous.stasis_app_name } : rest
  ) as T;
}
