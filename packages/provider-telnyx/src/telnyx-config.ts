import type { UiField } from '@patchbay/core';
import { z } from 'zod';
import { telnyxPublicKeyBytes } from './telnyx-signature.js';

/** A Telnyx account as Patchbay stores it. Field names match the original platform's. */
export const telnyxConfigSchema = z.object({
  provider: z.literal('telnyx'),
  api_key: z.string().min(8, 'the API key is at least 8 characters'),
  /** The Call Control Application; created on save when empty. */
  connection_id: z.string().optional(),
  /**
   * The account's Ed25519 public key: base64 as Mission Control shows it, or
   * PEM, or hex. Not a secret, but without it no webhook can be verified, so
   * every webhook is refused until it is set.
   */
  webhook_public_key: z
    .string()
    .optional()
    .refine(
      (key) => key === undefined || key.trim() === '' || telnyxPublicKeyBytes(key) !== undefined,
      'an Ed25519 public key: base64 as Mission Control shows it, PEM, or 64 hex digits',
    ),
  /** Set by the save hook when it created the application itself. */
  managed_connection_id: z.string().optional(),
});

export type TelnyxConfig = z.infer<typeof telnyxConfigSchema>;

/** A configuration as you write it: the schema's input, before defaults and normalization. */
export type TelnyxConfigInput = z.input<typeof telnyxConfigSchema>;

export const telnyxUiFields: readonly UiField[] = [
  {
    name: 'api_key',
    label: 'API key',
    type: 'password',
    required: true,
    sensitive: true,
    description: 'Mission Control → Account Settings → API Keys.',
  },
  {
    name: 'webhook_public_key',
    label: 'Webhook public key',
    type: 'textarea',
    required: true,
    description:
      'Mission Control → Keys & Credentials → Public Key. Every webhook is refused until it is set.',
  },
  {
    name: 'connection_id',
    label: 'Call Control App ID',
    type: 'text',
    required: false,
    description: 'Leave empty to have one created that sends calls to this server.',
  },
];
