import type { UiField } from '@patchbay/core';
import { z } from 'zod';

/** Cloudonix regions ("SIP connectivity"): where a domain's SIP endpoints and media edge are. */
export const CLOUDONIX_REGIONS = {
  Global: { suffix: 'sip.cloudonix.net', sipPort: 5060, tlsPort: 443, edgeIp: '18.219.128.166' },
  India: { suffix: 'in.dimi.tel', sipPort: 9060, tlsPort: 9443, edgeIp: '128.199.27.19' },
  UAE: { suffix: 'uae.dimi.tel', sipPort: 9081, tlsPort: 9443, edgeIp: '20.233.60.70' },
} as const;

export type CloudonixRegion = keyof typeof CLOUDONIX_REGIONS;

/** `acme` and `ACME.cloudonix.net.` both mean `acme.cloudonix.net`. */
export function normalizeCloudonixDomain(domain: string): string {
  const trimmed = domain.trim().replace(/\.+$/, '').toLowerCase();
  return trimmed.includes('.') ? trimmed : `${trimmed}.cloudonix.net`;
}

const REGION_NAMES = Object.keys(CLOUDONIX_REGIONS) as CloudonixRegion[];

/** An outbound trunk Patchbay keeps on the domain: calls leave Cloudonix through it to your carrier. */
export const cloudonixTrunkSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9-]+$/, 'a trunk name is letters, digits and dashes'),
  /** Case-insensitive; stored as Cloudonix spells it. */
  region: z.string().transform((value, context) => {
    const region = REGION_NAMES.find((name) => name.toLowerCase() === value.trim().toLowerCase());
    if (region) return region;
    context.addIssue({
      code: 'custom',
      message: `unknown region ${JSON.stringify(value)}: use one of ${REGION_NAMES.join(', ')}`,
    });
    return z.NEVER;
  }),
  /** The SIP domain of your carrier or PBX that calls are sent to. */
  sip_domain: z.string().trim().min(1, 'name the SIP domain calls are sent to'),
  /** A disabled trunk is kept at Cloudonix, inactive. */
  enabled: z.boolean().default(true),
  /** Caller IDs whose calls leave through this trunk. */
  numbers: z.array(z.string()).default([]),
});

export type CloudonixTrunk = z.infer<typeof cloudonixTrunkSchema>;

/** A Cloudonix domain as Patchbay stores it. Field names match the original platform's. */
export const cloudonixConfigSchema = z.object({
  provider: z.literal('cloudonix'),
  bearer_token: z.string().min(8, 'the API key is at least 8 characters'),
  domain_id: z.string().min(1).transform(normalizeCloudonixDomain),
  /** The Voice Application inbound calls reach; created on save when empty. */
  application_name: z.string().optional(),
  region: z.enum(['Global', 'India', 'UAE']).default('Global'),
  trunks: z
    .array(cloudonixTrunkSchema)
    .default([])
    .refine(
      (trunks) => new Set(trunks.map((trunk) => trunk.name)).size === trunks.length,
      'trunk names must be unique',
    ),
  /** Server-managed: Cloudonix's uuid of each trunk, by name. */
  trunk_ids: z.record(z.string(), z.string()).optional(),
  // Server-managed: looked up or created by the save hook.
  domain_uuid: z.string().optional(),
  application_id: z.number().int().optional(),
  application_uuid: z.string().optional(),
});

export type CloudonixConfig = z.infer<typeof cloudonixConfigSchema>;

/** A configuration as you write it: the schema's input, before defaults and normalization. */
export type CloudonixConfigInput = z.input<typeof cloudonixConfigSchema>;

export const cloudonixUiFields: readonly UiField[] = [
  {
    name: 'bearer_token',
    label: 'API key',
    type: 'password',
    required: true,
    sensitive: true,
    description: 'A Cloudonix API key (XI…) with access to the domain.',
  },
  {
    name: 'domain_id',
    label: 'Domain name',
    type: 'text',
    required: true,
    placeholder: 'acme.cloudonix.net',
  },
  {
    name: 'region',
    label: 'Region',
    type: 'select',
    required: false,
    options: [
      { value: 'Global', label: 'Global' },
      { value: 'India', label: 'India' },
      { value: 'UAE', label: 'UAE' },
    ],
  },
  {
    name: 'application_name',
    label: 'Voice application',
    type: 'text',
    required: false,
    description: 'Leave empty to have one created that sends calls to this server.',
  },
  {
    name: 'trunks',
    label: 'Outbound trunks',
    type: 'object-list',
    required: false,
    description:
      'Where calls leave Cloudonix for your carrier or PBX. Kept in step on save; removed ones are deactivated, never deleted.',
    itemFields: [
      { name: 'name', label: 'Name', type: 'text', required: true },
      {
        name: 'region',
        label: 'Region',
        type: 'select',
        required: true,
        options: REGION_NAMES.map((region) => ({ value: region, label: region })),
      },
      { name: 'sip_domain', label: 'SIP domain', type: 'text', required: true },
      { name: 'enabled', label: 'Enabled', type: 'boolean', required: false },
      {
        name: 'numbers',
        label: 'Caller IDs',
        type: 'string-array',
        required: false,
        description: 'Calls from these numbers leave through this trunk.',
      },
    ],
  },
];
