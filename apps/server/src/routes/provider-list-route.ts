import type { ProviderRegistry } from '@patchbay/core';
import { z } from 'zod';
import type { PatchbayApp } from './app.js';

const fieldProperties = {
  name: z.string().describe('Dotted path into the configuration'),
  label: z.string(),
  type: z.enum([
    'text',
    'password',
    'textarea',
    'string-array',
    'number',
    'boolean',
    'select',
    'readonly',
    'object-list',
  ]),
  required: z.boolean(),
  sensitive: z.boolean().optional().describe('Masked on every read; kept when its mask comes back'),
  description: z.string().optional(),
  placeholder: z.string().optional(),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  visibleWhen: z
    .object({ field: z.string(), equals: z.union([z.string(), z.number(), z.boolean()]) })
    .optional()
    .describe('Shown only while another field has this value'),
  section: z.string().optional().describe('The heading it is grouped under'),
};

const uiFieldSchema = z
  .object({
    ...fieldProperties,
    itemFields: z
      .array(z.object(fieldProperties).meta({ id: 'UiItemField' }))
      .optional()
      .describe('The fields of each item of an object-list'),
  })
  .meta({ id: 'UiField' });

const providerSchema = z
  .object({
    name: z.string(),
    displayName: z.string(),
    description: z.string().optional(),
    docsUrl: z.string().optional(),
    connectivity: z.enum(['api', 'sip']),
    requiresCallerId: z.boolean(),
    audio: z.object({
      encoding: z.string(),
      sampleRate: z.number(),
      frameMs: z.number(),
    }),
    fields: z.array(uiFieldSchema),
  })
  .meta({ id: 'Provider' });

type ProviderList = z.infer<typeof providerSchema>[];

/** GET /api/v1/providers: what a console renders configuration forms from. */
export function registerProviderListRoute(app: PatchbayApp, registry: ProviderRegistry): void {
  app.get(
    '/api/v1/providers',
    {
      config: { auth: 'api-key' },
      schema: {
        operationId: 'listProviders',
        summary: 'Registered carriers and their configuration forms, sensitive fields marked',
        tags: ['providers'],
        response: { 200: z.object({ providers: z.array(providerSchema) }) },
      },
    },
    // The descriptions are deeply readonly; the response schema checks their shape.
    async () => ({ providers: registry.describe() as unknown as ProviderList }),
  );
}
