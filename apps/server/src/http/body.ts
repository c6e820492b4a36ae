import type { z } from 'zod';
import { HttpError } from './router.js';

/** A request body checked against its schema. @throws HttpError 400 naming each bad field */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new HttpError(
    400,
    'invalid_body',
    parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; '),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is simply not found (and never reaches SQL as a cast error). */
export const isUuid = (value: string | undefined): value is string => UUID.test(value ?? '');
