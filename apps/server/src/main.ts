/**
 * `pnpm start`: the Patchbay server on its embedded database (or DATABASE_URL),
 * migrated, with an organization and admin API key on first start; with
 * WORKERS above 1, that many server processes sharing the port.
 */
import cluster from 'node:cluster';
import type { Logger } from '@patchbay/core';
import { loadServerConfig, type ServerConfig, ServerConfigError } from './config.js';
import { createLogger, sensitiveFieldNames } from './logger.js';
import { startPatchbayServer } from './server.js';
import { bootstrapOrganization } from './services/api-keys.js';
import { CredentialCipher, loadCredentialKey } from './services/credentials.js';
import { MediaTokens } from './services/media-tokens.js';
import {
  createServerRegistry,
  loadProviderModules,
  serverProviders,
} from './services/providers.js';
import { openDatabase } from './storage/database.js';
import { migrate } from './storage/migrations.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadServerConfig>;
  let extra: Awaited<ReturnType<typeof loadProviderModules>>;
  try {
    config = loadServerConfig();
    extra = await loadProviderModules(config.PROVIDER_MODULES);
  } catch (error) {
    if (error instanceof ServerConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const specs = serverProviders(config, extra);
  // Every field a carrier marks sensitive is redacted, wherever a log line carries it.
  const logger = createLogger(config.LOG_LEVEL, sensitiveFieldNames(specs.specs));
  if (config.WORKERS > 1 && cluster.isPrimary) return supervise(config, logger);
  const { database, created } = await prepareDatabase(config, logger);
  const credentialKey = await loadCredentialKey({
    configured: config.CREDENTIAL_ENCRYPTION_KEY,
    dataDirectory: database.kind === 'embedded' ? database.dataDirectory : undefined,
  });
  const cipher = new CredentialCipher(credentialKey);
  const mediaTokens = new MediaTokens(credentialKey);
  const providers = createServerRegistry(config, logger, specs);
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
  if (created) printFirstStart(created, server.url);
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
  // A worker whose primary is gone (killed) drains instead of running on unsupervised.
  if (cluster.isWorker) process.on('disconnect', () => void stop('primary gone'));
}

/** Opens the database, migrates it, and creates the first organization if there is none. */
async function prepareDatabase(config: ServerConfig, logger: Logger) {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDirectory: config.PATCHBAY_DATA_DIR,
  });
  const applied = await migrate(database.sql);
  if (applied.length > 0) logger.info({ versions: applied }, 'database migrated');
  return { database, created: await bootstrapOrganization(database.sql) };
}

/** Printed once, to the terminal only: the database keeps just the key's hash. */
function printFirstStart(created: { apiKey: string; echoAgentId: string }, url: string): void {
  process.stdout.write(
    `\nFirst start: created an organization, the built-in echo agent (${created.echoAgentId}) and the admin API key (shown only now):\n\n  ${created.apiKey}\n\nTry: curl -H "Authorization: Bearer ${created.apiKey}" ${url}/api/v1/providers\n\n`,
  );
}

/**
 * The primary of a multi-process server: migrates and bootstraps once, then
 * runs WORKERS server processes on the shared port (node:cluster hands each
 * connection to one of them). They meet through PostgreSQL like processes on
 * different machines would; a worker that dies is replaced, and a stop
 * signal drains them all.
 */
async function supervise(config: ServerConfig, logger: Logger): Promise<void> {
  const { database, created } = await prepareDatabase(config, logger);
  await database.close();

  let stopping = false;
  let announced = false;
  cluster.on('listening', (_worker, address) => {
    if (announced) return;
    announced = true;
    const host = address.addressType === 6 ? `[${address.address}]` : address.address;
    const url = `http://${host ?? '127.0.0.1'}:${address.port}`;
    logger.info({ url, workers: config.WORKERS }, 'Patchbay workers listening');
    if (created) printFirstStart(created, url);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'server worker died; starting another');
    cluster.fork();
  });
  for (let index = 0; index < config.WORKERS; index++) cluster.fork();

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping server workers');
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Patchbay server failed to start: ${String(error)}\n`);
  process.exit(1);
});
