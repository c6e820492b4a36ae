import { z } from 'zod';

/**
 * A transfer as asked for, through the API or by an agent over its socket:
 * kept apart from the transfer machinery so the agent socket can check a
 * request without depending on it.
 */
export const transferBody = z.object({
  /** A phone number or SIP URI. */
  destination: z.string().min(1).max(200),
  /** Caller ID on the destination leg; the call's own number (ours) when absent. */
  from: z.string().min(1).max(200).optional(),
  /** How long the destination may ring. */
  timeoutSeconds: z.number().int().min(5).max(120).default(30),
});

export type TransferRequestBody = z.input<typeof transferBody>;
