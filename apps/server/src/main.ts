/**
 * `pnpm start`: the Patchbay server on its embedded database (or DATABASE_URL),
 * migrated, with an organization and admin API key on first start.
 */
import { bootstrapOrganization } from './api-keys.js';
import { loadServerConfig, ServerConfigError } from './config.js';
import { CredentialCipher, loadCredentialKey } from './credentials.js';
import { openDatabase } from './database/database.js';
import { migrate } from './database/migrations.js';
import { createLogger } from './logger.js';
import { MediaTokens } from './media-tokens.js';
import { createServerRegistry } from './providers.js';
import { startPatchbayServer } from './server.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadServerConfig>;
  try {
    config = loadServerConfig();
  } catch (error) {
    if (error instanceof ServerConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDirectory: config.PATCHBAY_DATA_DIR,
  });
  const applied = await migrate(database.sql);
  if (applied.length > 0) logger.info({ versions: applied }, 'database migrated');
  const created = await bootstrapOrganization(database.sql);
  const credentialKey = await loadCredentialKey({
    configured: config.CREDENTIAL_ENCRYPTION_KEY,
    dataDirectory: database.kind === 'embedded' ? database.dataDirectory : undefined,
  });
  const cipher = new CredentialCipher(credentialKey);
  const mediaTokens = new MediaTokens(credentialKey);
  const providers = createServerRegistry(config, logger);
  const server = await startPatchbayServer({
    config,
    database,
    registry: providers.registry,
    logger,
    cipher,
    mediaTokens,
  });
  logger.info(
    { url: server.url, database: database.kind, dataDirectory: database.dataDirectory },
    'Patchbay server listening',
  );
  if (created) {
    // Printed once, to the terminal only: the database keeps just its hash.
    process.stdout.write(
      `\nFirst start: created an organization, the built-in echo agent (${created.echoAgentId}) and the admin API key (shown only now):\n\n  ${created.apiKey}\n\nTry: curl -H "Authorization: Bearer ${created.apiKey}" ${server.url}/api/v1/providers\n\n`,
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await server.close();
    await providers.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Patchbay server failed to start: ${String(error)}\n`);
  process.exit(1);
});
