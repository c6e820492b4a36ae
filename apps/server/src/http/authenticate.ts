import { organizationForApiKey } from '../api-keys.js';
import type { Database } from '../database/database.js';
import { HttpError, type RouteRequest } from './router.js';

/** The organization an API request acts for: from `Authorization: Bearer <key>`. @throws HttpError 401 */
export async function authenticate(database: Database, request: RouteRequest): Promise<string> {
  const header = request.raw.headers.authorization ?? '';
  const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!key)
    throw new HttpError(401, 'unauthenticated', 'Send an API key as Authorization: Bearer <key>');
  const found = await organizationForApiKey(database.sql, key);
  if (!found) throw new HttpError(401, 'unauthenticated', 'The API key is unknown or revoked');
  return found.organizationId;
}
