import { InvalidPayloadError, type WebhookRequest } from '@patchbay/core';
import { z } from 'zod';
import { normalizeTelnyxEventType } from './telnyx-status.js';

const envelope = z.object({
  data: z.looseObject({
    record_type: z.string().optional(),
    event_type: z.string().min(1),
    occurred_at: z.string().optional(),
    payload: z.looseObject({
      call_control_id: z.string().min(1),
      connection_id: z.string().optional(),
      direction: z.string().optional(),
      from: z.string().optional(),
      to: z.string().optional(),
      state: z.string().optional(),
      hangup_cause: z.string().optional(),
      client_state: z.string().nullish(),
      start_time: z.string().optional(),
      end_time: z.string().optional(),
      result: z.string().optional(),
    }),
  }),
});

export type TelnyxEvent = z.infer<typeof envelope>['data'] & { eventType: string };

/** A Telnyx webhook's event, with its type normalized. @throws InvalidPayloadError */
export function readTelnyxEvent(request: WebhookRequest, source: string): TelnyxEvent {
  if (request.json === undefined) throw new InvalidPayloadError(source, 'expected a JSON body');
  const parsed = envelope.safeParse(request.json);
  if (!parsed.success) {
    throw new InvalidPayloadError(
      source,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return { ...parsed.data.data, eventType: normalizeTelnyxEventType(parsed.data.data.event_type) };
}
