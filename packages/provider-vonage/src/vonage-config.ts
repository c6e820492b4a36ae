import type { UiField } from '@patchbay/core';
import { z } from 'zod';

/** A Vonage Voice application as Patchbay stores it. Field names match the original platform's. */
export const vonageConfigSchema = z.object({
  provider: z.literal('vonage'),
  application_id: z
    .string()
    .regex(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
      'the Application ID is a UUID',
    ),
  private_key: z.string().includes('PRIVATE KEY-----', {
    message: 'the private key is a PEM file (-----BEGIN PRIVATE KEY-----)',
  }),
  api_key: z.string().min(1),
  api_secret: z.string().min(1),
  /**
   * Signs every webhook Vonage sends once signed callbacks are on. Required:
   * without it no webhook could be verified.
   */
  signature_secret: z.string().min(1),
});

export type VonageConfig = z.infer<typeof vonageConfigSchema>;

/** A configuration as you write it: the schema's input, before defaults and normalization. */
export type VonageConfigInput = z.input<typeof vonageConfigSchema>;

export const vonageUiFields: readonly UiField[] = [
  {
    name: 'application_id',
    label: 'Application ID',
    type: 'text',
    required: true,
    description: 'The Voice application in the Vonage dashboard.',
  },
  {
    name: 'private_key',
    label: 'Private key',
    type: 'textarea',
    required: true,
    sensitive: true,
    description: "The application's private.key (PEM), which signs REST requests.",
  },
  {
    name: 'api_key',
    label: 'API key',
    type: 'text',
    required: true,
    sensitive: true,
    description: 'Identifies the account (dashboard home page).',
  },
  { name: 'api_secret', label: 'API secret', type: 'password', required: true, sensitive: true },
  {
    name: 'signature_secret',
    label: 'Signature secret',
    type: 'password',
    required: true,
    sensitive: true,
    description: 'Settings → API settings → Signature secret; webhooks are verified with it.',
  },
];
