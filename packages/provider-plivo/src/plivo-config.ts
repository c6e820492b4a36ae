import type { UiField } from '@patchbay/core';
import { z } from 'zod';

/** A Plivo account as Patchbay stores it. Field names match the original platform's. */
export const plivoConfigSchema = z.object({
  provider: z.literal('plivo'),
  auth_id: z
    .string()
    .regex(
      /^[MS]A[A-Z0-9]{18}$/,
      'an Auth ID is MA or SA followed by 18 capital letters or digits',
    ),
  auth_token: z.string().min(8, 'the Auth Token is at least 8 characters'),
  /**
   * The Plivo Application that receives inbound calls. Left empty, one is
   * created on save with the host's inbound URL.
   */
  application_id: z.string().optional(),
  /** Set by the save hook when it created the application itself, so deleting the configuration removes it. */
  managed_application_id: z.string().optional(),
});

export type PlivoConfig = z.infer<typeof plivoConfigSchema>;

/** A configuration as you write it: the schema's input, before defaults and normalization. */
export type PlivoConfigInput = z.input<typeof plivoConfigSchema>;

export const plivoUiFields: readonly UiField[] = [
  {
    name: 'auth_id',
    label: 'Auth ID',
    type: 'text',
    required: true,
    sensitive: true,
    placeholder: 'MA…',
    description: 'From the Plivo console overview.',
  },
  {
    name: 'auth_token',
    label: 'Auth Token',
    type: 'password',
    required: true,
    sensitive: true,
    description: 'Signs every webhook Plivo sends and authenticates REST calls.',
  },
  {
    name: 'application_id',
    label: 'Application ID',
    type: 'text',
    required: false,
    description: 'Leave empty to have one created that routes inbound calls to this server.',
  },
];
