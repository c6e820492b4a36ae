import type { UiField } from '@patchbay/core';
import { z } from 'zod';

/** A Twilio account as Patchbay stores it. Field names match the original platform's. */
export const twilioConfigSchema = z.object({
  provider: z.literal('twilio'),
  account_sid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID is AC followed by 32 hexadecimal characters'),
  auth_token: z.string().min(8, 'the Auth Token is at least 8 characters'),
  /** Ask Twilio's answering-machine detection on outbound calls. */
  amd_enabled: z.boolean().default(false),
});

export type TwilioConfig = z.infer<typeof twilioConfigSchema>;

/** A Twilio configuration as you write one: defaulted fields may be left out. */
export type TwilioConfigInput = z.input<typeof twilioConfigSchema>;

/**
 * A Twilio configuration, typed as you write it: a misspelt or missing field
 * does not compile. Values are checked where the configuration is used
 * (`registry.createProvider` throws a `ConfigurationError` naming each field
 * that is wrong), so values from the environment need no casts here.
 *
 * ```ts
 * registry.createProvider(twilioConfig({ account_sid: 'AC…', auth_token: '…' }));
 * ```
 */
export function twilioConfig(fields: Omit<TwilioConfigInput, 'provider'>): TwilioConfigInput {
  return { ...fields, provider: 'twilio' };
}

export const twilioUiFields: readonly UiField[] = [
  {
    name: 'account_sid',
    label: 'Account SID',
    type: 'text',
    required: true,
    placeholder: 'AC…',
    description:
      'From the Twilio Console home page. It identifies the account; it is not a secret.',
  },
  {
    name: 'auth_token',
    label: 'Auth Token',
    type: 'password',
    required: true,
    sensitive: true,
    description: 'Signs every webhook Twilio sends and authenticates REST calls.',
  },
  {
    name: 'amd_enabled',
    label: 'Answering machine detection',
    type: 'boolean',
    required: false,
    description: 'Detect voicemail on outbound calls (billed by Twilio per call).',
  },
];
