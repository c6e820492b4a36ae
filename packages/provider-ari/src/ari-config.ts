import type { UiField } from '@patchbay/core';
import { z } from 'zod';

/**
 * The fields that reach one Asterisk over ARI and name its media client,
 * shared by every configuration built on Asterisk (ARI, 3CX).
 */
export const ariConnectionFields = {
  ari_endpoint: z
    .string()
    .url('the ARI endpoint is a URL such as http://pbx.example.com:8088')
    .transform((url) => url.replace(/\/+$/, '')),
  /** The ari.conf user. */
  app_name: z
    .string()
    .min(1)
    .regex(/^[^:]+$/, 'the ARI user cannot contain ":"'),
  app_password: z.string().min(1),
  /** The websocket_client.conf section externalMedia dials through. */
  ws_client_name: z
    .string()
    .min(1, 'name the websocket_client.conf section Asterisk dials for media'),
};

/** An Asterisk reached over ARI, as Patchbay stores it. Field names match the original platform's. */
export const ariConfigSchema = z.object({
  provider: z.literal('ari'),
  ...ariConnectionFields,
  /**
   * The Stasis application, `patchbay_` + 12 hex, minted when the
   * configuration is created and kept after: the dialplan's `Stasis()` names it.
   */
  stasis_app_name: z.string().optional(),
  /** How to dial a number: `{to}` is replaced, e.g. `PJSIP/{to}@my-trunk`. */
  dial_template: z.string().default('PJSIP/{to}'),
});

export type AriConfig = z.infer<typeof ariConfigSchema>;

/** A configuration as you write it: the schema's input, before defaults and normalization. */
export type AriConfigInput = z.input<typeof ariConfigSchema>;

/** The form fields of {@link ariConnectionFields}, the ARI password marked secret. */
export const ariConnectionUiFields: readonly UiField[] = [
  {
    name: 'ari_endpoint',
    label: 'ARI endpoint',
    type: 'text',
    required: true,
    placeholder: 'http://pbx.example.com:8088',
  },
  {
    name: 'app_name',
    label: 'ARI user',
    type: 'text',
    required: true,
    description: 'A user in ari.conf.',
  },
  {
    name: 'app_password',
    label: 'ARI password',
    type: 'password',
    required: true,
    sensitive: true,
  },
  {
    name: 'ws_client_name',
    label: 'WebSocket client',
    type: 'text',
    required: true,
    description:
      "The websocket_client.conf section (uri = this server's ARI media URL, protocols = media).",
  },
];

export const ariUiFields: readonly UiField[] = [
  ...ariConnectionUiFields,
  {
    name: 'dial_template',
    label: 'Dial template',
    type: 'text',
    required: false,
    placeholder: 'PJSIP/{to}@my-trunk',
    description: 'How numbers are dialed; {to} is replaced.',
  },
  {
    name: 'stasis_app_name',
    label: 'Stasis application',
    type: 'readonly',
    required: false,
    description: 'Use it in the dialplan: Stasis(<this name>).',
  },
];
