import type { UiField } from '@patchbay/core';
import { ariConnectionFields, ariConnectionUiFields } from '@patchbay/provider-ari';
import { z } from 'zod';
import { stripRule } from './dialplan.js';
import { endpointId } from './endpoint-id.js';

const SIP_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;

/** A 3CX extension reached through an Asterisk bridge. Field names match the original platform's. */
export const threeCxConfigSchema = z
  .object({
    provider: z.literal('three_cx'),
    ...ariConnectionFields,
    /** Minted on create (`patchbay_` + 12 hex) and written into the inbound dialplan. */
    stasis_app_name: z.string().optional(),
    sip_domain: z
      .string()
      .transform((domain) => domain.trim().toLowerCase())
      .pipe(
        z
          .string()
          .max(40, 'Asterisk stores the SIP domain in 40 characters')
          .regex(
            SIP_DOMAIN,
            'the 3CX SIP domain is a host name such as 1156.3cx.cloud, with a port if not 5060',
          ),
      ),
    /** The 3CX extension: SIP user name, registration contact and account id. */
    extension: z
      .string()
      .transform((extension) => extension.trim())
      .pipe(
        z
          .string()
          .regex(/^[A-Za-z0-9]{1,40}$/, 'a 3CX extension is letters and digits, such as 12611'),
      ),
    /** The extension's SIP password; written to ps_auths, which Asterisk reads. */
    sip_password: z.string().min(1).max(80),
    /** A literal country prefix to strip from matching numbers before 3CX sees them, e.g. `^\+39`. */
    strip_prefix: z.string().default(''),
    /** Caller ids the extension may present; the first is used when a call names none. */
    from_numbers: z.array(z.string()).default([]),
    /** The PJSIP transport the endpoint and registration use. */
    transport_name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('transport-udp'),
  })
  .superRefine((config, context) => {
    // Refused at save with the reason, not later as a database or dialplan failure.
    const checks: [keyof typeof config, () => unknown][] = [
      ['strip_prefix', () => stripRule(config.strip_prefix)],
      ['extension', () => endpointId(config.sip_domain, config.extension)],
    ];
    for (const [field, check] of checks) {
      try {
        check();
      } catch (error) {
        context.addIssue({ code: 'custom', path: [field], message: (error as Error).message });
      }
    }
  });

export type ThreeCxConfig = z.infer<typeof threeCxConfigSchema>;

/** A configuration as you write it: the schema's input, before defaults and normalization. */
export type ThreeCxConfigInput = z.input<typeof threeCxConfigSchema>;

export const threeCxUiFields: readonly UiField[] = [
  ...ariConnectionUiFields.map((field) =>
    field.name === 'ari_endpoint'
      ? {
          ...field,
          placeholder: 'http://asterisk.example.com:8088',
          description:
            'The Asterisk that registers to 3CX and reads its PJSIP objects from PostgreSQL.',
        }
      : field,
  ),
  {
    name: 'sip_domain',
    label: '3CX SIP domain',
    type: 'text',
    required: true,
    placeholder: '1156.3cx.cloud',
  },
  { name: 'extension', label: '3CX extension', type: 'text', required: true, placeholder: '12611' },
  {
    name: 'sip_password',
    label: 'SIP password',
    type: 'password',
    required: true,
    sensitive: true,
    description: "The extension's SIP authentication password in 3CX.",
  },
  {
    name: 'strip_prefix',
    label: 'Strip prefix',
    type: 'text',
    required: false,
    placeholder: '^\\+39',
    description: 'A country prefix 3CX expects without it; other numbers are dialled as they are.',
  },
  {
    name: 'from_numbers',
    label: 'Caller IDs',
    type: 'string-array',
    required: false,
    description:
      'Numbers 3CX lets this extension present; the first is the default caller id of outbound calls.',
  },
  {
    name: 'stasis_app_name',
    label: 'Stasis application',
    type: 'readonly',
    required: false,
    description: 'Written into the dialplan for you.',
  },
];
