import type { UiField } from '@patchbay/core';
import { z } from 'zod';

/** A Vobiz account as Patchbay stores it. Field names match the original platform's. */
export const vobizConfigSchema = z.object({
  provider: z.literal('vobiz'),
  auth_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{4,64}$/, 'an Auth ID is letters, digits, _ and - (e.g. MA_SYQRLN1K)'),
  auth_token: z.string().min(8, 'the Auth Token is at least 8 characters'),
  /**
   * A sub-account's parent (main) account token. Vobiz signs a sub-account's
   * callbacks with both; with this set, the parent's signatures
   * (X-Vobiz-Signature-MA-V3/V2) are accepted too.
   */
  parent_auth_token: z.string().min(8, 'the parent Auth Token is at least 8 characters').optional(),
  /**
   * The Vobiz Application that receives inbound calls. Left empty, one is
   * created on save with the host's inbound URL.
   */
  application_id: z.string().optional(),
  /** Set by the save hook when it created the application itself, so deleting the configuration removes it. */
  managed_application_id: z.string().optional(),
});

export type VobizConfig = z.infer<typeof vobizConfigSchema>;

/** A configuration as you write it: the schema's input, before defaults and normalization. */
export type VobizConfigInput = z.input<typeof vobizConfigSchema>;

export const vobizUiFields: readonly UiField[] = [
  {
    name: 'auth_id',
    label: 'Auth ID',
    type: 'text',
    required: true,
    sensitive: true,
    placeholder: 'MA_…',
    description: 'From the Vobiz console.',
  },
  {
    name: 'auth_token',
    label: 'Auth Token',
    type: 'password',
    required: true,
    sensitive: true,
    description: 'Authenticates REST calls and signs every callback Vobiz sends.',
  },
  {
    name: 'application_id',
    label: 'Application ID',
    type: 'text',
    required: false,
    description: 'Leave empty to have one created that routes inbound calls to this server.',
  },
  {
    name: 'parent_auth_token',
    label: 'Parent account Auth Token',
    type: 'password',
    required: false,
    sensitive: true,
    description: 'Only for a sub-account: also accept callbacks signed by the main account.',
  },
];
