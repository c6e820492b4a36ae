import {
  ConfigurationError,
  emptyResponse,
  InvalidPayloadError,
  type ProviderSpec,
} from '@patchbay/core';
import {
  ARI_AUDIO,
  AriEventSource,
  AriMediaSerializer,
  type AriReconnectPolicy,
  type AsteriskTarget,
  asteriskSetupChecklist,
  createAsteriskProvider,
  withStasisApplication,
} from '@patchbay/provider-ari';
import type { Sql } from 'postgres';
import {
  deprovisionThreeCx,
  endpointExists,
  provisionThreeCx,
  removeRegistration,
  threeCxEndpointId,
  threeCxStasisApplication,
} from './ara-provisioning.js';
import { reloadRegistrations } from './asterisk-registrations.js';
import { outboundNumber, stripRule } from './dialplan.js';
import {
  type ThreeCxConfig,
  type ThreeCxConfigInput,
  threeCxConfigSchema,
  threeCxUiFields,
} from './three-cx-config.js';

/** Options of {@link threeCx}. */
export interface ThreeCxSettings {
  /**
   * The Asterisk realtime (ARA) database as a postgres.js client, which the
   * caller owns and ends (the reference server opens one on
   * `ASTERISK_ARA_DSN`). Without it configurations cannot be saved, since
   * saving is what provisions them.
   */
  readonly ara?: Sql | undefined;
  /** Send MARK_MEDIA for marks (Asterisk 2025-11 releases and later). */
  readonly mediaMarks?: boolean;
  /** Events connection backoff. */
  readonly reconnect?: AriReconnectPolicy;
}

// A destination goes into a Local channel string: nothing that could name another context.
const DESTINATION = /^\+?[0-9A-Za-z*#]{1,40}$/;

/** A 3CX configuration as the shared Asterisk implementation sees it. */
export function threeCxTarget(config: ThreeCxConfig): AsteriskTarget {
  const ownEndpoint = threeCxEndpointId(config);
  const strip = stripRule(config.strip_prefix);
  return {
    provider: 'three_cx',
    ariEndpoint: config.ari_endpoint,
    username: config.app_name,
    password: config.app_password,
    stasisApp: threeCxStasisApplication(config),
    mediaClient: config.ws_client_name,
    // The provisioned dialplan passes `inbound,<endpoint id>`. A call for another
    // endpoint (several tenants sharing one hand-written Stasis app) is reported
    // under the extension it was dialled to, so the host matches that tenant.
    inboundAccountId: ({ args, exten }) =>
      args[0] === 'inbound' && args[1] !== undefined && args[1] !== ownEndpoint
        ? exten
        : config.extension,
    // Without one, 3CX shows the call From "Anonymous".
    ...(config.from_numbers[0] ? { defaultCallerId: config.from_numbers[0] } : {}),
    dialString(destination) {
      if (!DESTINATION.test(destination))
        throw new InvalidPayloadError(
          '3CX destination',
          `${JSON.stringify(destination)} is not a number or extension`,
        );
      // Straight to the endpoint: no per-tenant dialplan, no Local pair whose
      // originated half hides the callee's busy behind cause 0.
      return `PJSIP/${outboundNumber(destination, strip)}@${ownEndpoint}`;
    },
  };
}

function araClient(ara: Sql | undefined): () => Sql {
  return () => {
    if (ara === undefined)
      throw new ConfigurationError(
        'Saving a 3CX configuration writes its PJSIP objects to Asterisk’s realtime database: give threeCx({ ara }) a postgres.js client (the reference server opens one on ASTERISK_ARA_DSN)',
        { code: 'ara_not_configured' },
      );
    return ara;
  };
}

/**
 * Un-registers an extension and removes its rows: the registration row goes
 * first and the module is reloaded while the auth still exists (Asterisk
 * needs it to send the un-REGISTER), then everything else.
 */
async function retire(database: Sql, config: ThreeCxConfig): Promise<void> {
  await removeRegistration(database, config);
  await reloadRegistrations(config);
  await deprovisionThreeCx(database, config);
}

/**
 * 3CX through an Asterisk bridge. Saving a configuration provisions the
 * extension in Asterisk's realtime tables (and removes what a previous
 * domain or extension left); deleting it removes them, failing the delete
 * if the database refuses so no live registration is left behind. Calls,
 * media, transfers and events are the ARI provider's, on a Stasis
 * application minted for this configuration.
 */
export function threeCx(
  settings: ThreeCxSettings = {},
): ProviderSpec<ThreeCxConfig, ThreeCxConfigInput> {
  const ara = araClient(settings.ara);
  return {
    specificationVersion: 'v1',
    name: 'three_cx',
    displayName: '3CX (through Asterisk)',
    description:
      'A 3CX extension, registered by an Asterisk whose PJSIP configuration lives in PostgreSQL.',
    docsUrl: 'https://www.3cx.com/docs/',
    configSchema: threeCxConfigSchema,
    ui: threeCxUiFields,
    audio: ARI_AUDIO,
    accountIdField: 'extension',
    connectivity: 'sip',
    requiresCallerId: false,
    setupChecklist: () => asteriskSetupChecklist('https://www.3cx.com/docs/'),
    inbound: {
      // Calls arrive on the Stasis events connection, never as webhooks.
      matches: () => false,
      parse: () => {
        throw new InvalidPayloadError(
          '3CX webhook',
          '3CX calls arrive through Asterisk, not webhooks',
        );
      },
      reject: () => emptyResponse(204),
    },
    hooks: {
      async beforeSave(next, previous) {
        const named = withStasisApplication(next, previous);
        const database = ara();
        // The endpoint is the extension at its domain: a second configuration naming the same
        // one would take it over, and deleting either would un-register both.
        const endpoint = threeCxEndpointId(named);
        const ours = previous !== undefined && threeCxEndpointId(previous) === endpoint;
        if (!ours && (await endpointExists(database, endpoint)))
          throw new ConfigurationError(
            `Extension ${named.extension} on ${named.sip_domain} is registered by another configuration already; delete that one first (or, if it is stale, its rows in Asterisk's realtime tables)`,
            {
              code: 'extension_taken',
              issues: [{ path: 'extension', message: 'registered by another configuration' }],
            },
          );
        if (previous && threeCxEndpointId(previous) !== threeCxEndpointId(named))
          await retire(database, previous);
        await provisionThreeCx(database, named);
        try {
          await reloadRegistrations(named);
        } catch (error) {
          // Asterisk did not take the rows: put back what was there, so the save changes nothing.
          if (previous && threeCxEndpointId(previous) === threeCxEndpointId(named))
            await provisionThreeCx(database, previous);
          else await deprovisionThreeCx(database, named);
          throw error;
        }
        return named;
      },
      async afterDelete(stored) {
        await retire(ara(), stored);
      },
    },
    media: {
      createSerializer: () => new AriMediaSerializer(settings.mediaMarks ?? true),
      // websocket_client.conf holds a fixed URI; Asterisk appends the call's query to it.
      urlParameters: 'query',
    },
    create: (config) => createAsteriskProvider(threeCxTarget(config)),
    eventSource: (config, context) =>
      new AriEventSource(threeCxTarget(config), context.logger, settings.reconnect),
  };
}
