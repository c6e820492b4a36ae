/**
 * `pnpm --filter @patchbay/server keys …`: organizations and API keys for an
 * operator at the machine, who may have lost every key. Works on the same
 * database the server uses: `DATABASE_URL`, else the embedded one in
 * `PATCHBAY_DATA_DIR` (which the server must not have open at the time).
 */
import { parseArgs } from 'node:util';
import { loadServerConfig, ServerConfigError } from './config.js';
import {
  type ApiKeyRecord,
  createOrganization,
  issueApiKey,
  listApiKeys,
  listOrganizations,
  revokeApiKey,
} from './services/api-keys.js';
import { type Database, DataDirectoryInUseError, openDatabase } from './storage/database.js';
import { migrate } from './storage/migrations.js';

const USAGE = `Usage: keys <command> [options]

  orgs                               list organizations
  create-org <name>                  a new organization and its first key
  list [--org <id>]                  keys (all, or one organization's); never their secrets
  create --org <id> --name <name> [--deployment] [--expires <ISO 8601 time>]
                                     mint a key; --deployment lets it manage organizations,
                                     --expires has it refused from then on
  revoke <key id>                    revoke a key; every server process refuses it at once

The database is DATABASE_URL's, else the embedded one in PATCHBAY_DATA_DIR.
A new key is printed once: only its hash is stored.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {}

const describeKey = (key: ApiKeyRecord) =>
  [
    key.id,
    `org ${key.organizationId}`,
    JSON.stringify(key.name),
    `${key.prefix}…`,
    key.scope,
    `created ${key.createdAt.toISOString()}`,
    `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`,
    key.revokedAt
      ? `REVOKED ${key.revokedAt.toISOString()}`
      : key.expiresAt && key.expiresAt.getTime() <= Date.now()
        ? `EXPIRED ${key.expiresAt.toISOString()}`
        : key.expiresAt
          ? `live until ${key.expiresAt.toISOString()}`
          : 'live',
  ].join('  ');

function uuid(value: string | undefined, what: string): string {
  if (!value || !UUID.test(value)) throw new UsageError(`${what} must be a UUID`);
  return value;
}

async function run(database: Database, argv: string[]): Promise<string[]> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      name: { type: 'string' },
      deployment: { type: 'boolean', default: false },
      expires: { type: 'string' },
    },
  });
  const [command, argument] = positionals;
  const { sql } = database;
  switch (command) {
    case 'orgs':
      return (await listOrganizations(sql)).map(
        (org) =>
          `${org.id}  ${JSON.stringify(org.name)}  created ${org.createdAt.toISOString()}  ${org.liveKeys} live key(s)`,
      );
    case 'create-org': {
      const name = argument?.trim();
      if (!name || name.length > 100)
        throw new UsageError('create-org needs a name of 1-100 characters');
      const created = await createOrganization(sql, name);
      return [
        `organization ${created.organizationId}`,
        `key ${created.record.id} (shown only now):`,
        '',
        `  ${created.key}`,
      ];
    }
    case 'list':
      return (
        await listApiKeys(sql, values.org === undefined ? undefined : uuid(values.org, '--org'))
      ).map(describeKey);
    case 'create': {
      const organizationId = uuid(values.org, '--org');
      const name = values.name?.trim();
      if (!name || name.length > 100)
        throw new UsageError('create needs --name of 1-100 characters');
      const [known] = await sql`select 1 from organizations where id = ${organizationId}`;
      if (!known) throw new UsageError(`no organization ${organizationId}`);
      const expiresAt = values.expires === undefined ? undefined : new Date(values.expires);
      if (expiresAt && !(expiresAt.getTime() > Date.now()))
        throw new UsageError('--expires must be a time in the future, e.g. 2027-06-30T00:00:00Z');
      const issued = await issueApiKey(sql, {
        organizationId,
        name,
        scope: values.deployment ? 'deployment' : 'organization',
        expiresAt,
      });
      return [`key ${issued.record.id} (shown only now):`, '', `  ${issued.key}`];
    }
    case 'revoke': {
      const keyId = uuid(argument, 'the key id');
      if (!(await revokeApiKey(sql, keyId))) throw new UsageError(`no live key ${keyId}`);
      return [`revoked ${keyId}`];
    }
    default:
      throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'no command');
  }
}

/** Runs one command; returns the exit code (0 done, 1 failed, 2 usage). */
export async function keysCli(
  argv: string[],
  environment: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  printError: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    print(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  let database: Database | undefined;
  try {
    const config = loadServerConfig(environment);
    database = await openDatabase({
      url: config.DATABASE_URL,
      dataDirectory: config.PATCHBAY_DATA_DIR,
    });
    await migrate(database.sql);
    for (const line of await run(database, argv)) print(line);
    return 0;
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      printError(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof ServerConfigError || error instanceof DataDirectoryInUseError) {
      printError(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database?.close();
  }
}
