/**
 * Log redaction follows the registry: every field a carrier package marks
 * sensitive is censored, at the top of a line or nested in what it logs.
 */
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { loadServerConfig } from '../src/config.js';
import { createLogger, sensitiveFieldNames } from '../src/logger.js';
import { serverProviders } from '../src/services/providers.js';

function captured(secretFields: readonly string[]) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', secretFields, sink), lines };
}

it('takes the secret field names from every registered carrier', () => {
  const names = sensitiveFieldNames(serverProviders(loadServerConfig({})).specs);
  for (const name of [
    'auth_token',
    'auth_id',
    'api_key',
    'api_secret',
    'private_key',
    'signature_secret',
    'bearer_token',
    'app_password',
    'sip_password',
  ])
    expect(names).toContain(name);
});

it('redacts each of them wherever a line carries it, and nothing else', () => {
  const fields = sensitiveFieldNames(serverProviders(loadServerConfig({})).specs);
  const { logger, lines } = captured(fields);
  const config = {
    provider: 'vonage',
    application_id: 'app-1',
    api_key: 'vonage-key-secret-1',
    api_secret: 'vonage-secret-2',
    private_key: '-----BEGIN PRIVATE KEY-----secret-3',
    signature_secret: 'secret-4',
  };
  logger.info({ auth_token: 'secret-5', config, nested: { deeper: { sip_password: 'secret-6' } } });
  logger.warn({ headers: { authorization: 'Basic secret-7' } }, 'carrier refused');
  const text = lines.join('');
  for (const secret of [
    'secret-1',
    'secret-2',
    'secret-3',
    'secret-4',
    'secret-5',
    'secret-6',
    'secret-7',
  ])
    expect(text).not.toContain(secret);
  expect(text).toContain('app-1');
  expect(JSON.parse(lines[0]!).config.api_key).toBe('[redacted]');
});

it('shows a field no carrier marks sensitive: the registry’s list is what protects', () => {
  const { logger, lines } = captured([]);
  logger.info({ config: { auth_token: 'secret-leaked' } });
  expect(lines.join('')).toContain('secret-leaked');
});
