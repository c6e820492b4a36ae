import { z } from 'zod';

const port = z.coerce
  .number({ message: 'PORT must be a number' })
  .int('PORT must be a whole number')
  .min(0)
  .max(65535, 'PORT must be at most 65535');

const carrierUrl = (name: string) =>
  z
    .string()
    .refine((value) => /^https?:\/\/[^/]/.test(value) && URL.canParse(value), {
      message: `${name} must be an absolute http(s) URL`,
    })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional();

/**
 * The server's settings, from the environment. Every bad value is reported
 * with its variable's name, all at once, before anything starts.
 */
export const serverConfigSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * The URL carriers reach this server at, and sign their webhooks for. Set it
   * explicitly: forwarded headers are never trusted to say what it is.
   */
  PUBLIC_BASE_URL: z
    .string()
    .refine(
      (value) => /^https?:\/\/[^/]/.test(value) && URL.canParse(value),
      'PUBLIC_BASE_URL must be an absolute http(s) URL such as https://voice.example.com',
    )
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** Proxies whose X-Forwarded-For names the client, comma-separated addresses. */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  /** A PostgreSQL server; without it the server runs on an embedded PGlite in PATCHBAY_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .optional(),
  /** Asterisk's realtime database, for 3CX configurations; without it they cannot be saved. */
  ASTERISK_ARA_DSN: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'ASTERISK_ARA_DSN must be a postgres:// URL')
    .optional(),
  /**
   * Carrier API endpoints, for a regional edge or a local carrier server in
   * tests: Twilio (`https://api.dublin.ie1.twilio.com`), Telnyx, Cloudonix,
   * Vonage's Voice and Numbers APIs. Plivo's SDK always addresses
   * api.plivo.com, so it takes an HTTP proxy instead.
   */
  TWILIO_API_BASE_URL: carrierUrl('TWILIO_API_BASE_URL'),
  TELNYX_API_BASE_URL: carrierUrl('TELNYX_API_BASE_URL'),
  CLOUDONIX_API_BASE_URL: carrierUrl('CLOUDONIX_API_BASE_URL'),
  VOBIZ_API_BASE_URL: carrierUrl('VOBIZ_API_BASE_URL'),
  VONAGE_API_BASE_URL: carrierUrl('VONAGE_API_BASE_URL'),
  VONAGE_REST_BASE_URL: carrierUrl('VONAGE_REST_BASE_URL'),
  PLIVO_API_PROXY: carrierUrl('PLIVO_API_PROXY'),
  PATCHBAY_DATA_DIR: z.string().min(1).default('.patchbay'),
  /** 32 bytes, base64 or hex, for AES-256-GCM of stored credentials; the embedded mode keeps one in its data directory. */
  CREDENTIAL_ENCRYPTION_KEY: z
    .string()
    .refine((value) => decodeKey(value) !== undefined, {
      message: 'CREDENTIAL_ENCRYPTION_KEY must be 32 bytes as base64 or 64 hex characters',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Calls (inbound and outbound, not yet ended) one organization may have at
   * once, unless a deployment key set its own limit: one tenant cannot take
   * the deployment's capacity or run up a carrier bill.
   */
  MAX_CONCURRENT_CALLS: z.coerce.number().int().min(1).max(100_000).default(10),
  /**
   * Lets organizations register webhook URLs on loopback or private
   * addresses: off by default, so a tenant cannot make the server call its
   * own network.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /**
   * More carrier packages to register, comma-separated: module names or
   * file paths whose default export is a provider spec or a function that
   * returns one (a plugin author's package, before it ships with the server).
   */
  PROVIDER_MODULES: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  /** Where recordings are written; `<PATCHBAY_DATA_DIR>/recordings` by default. */
  RECORDINGS_DIR: z.string().min(1).optional(),
  /** Recordings older than this many days are deleted (hourly); 0 keeps them. */
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(90),
  /** The built web console served at `/`; by default the workspace's @patchbay/console. */
  CONSOLE_DIR: z.string().min(1).optional(),
  /** A bearer token Prometheus sends to GET /metrics; unset, only this machine may scrape. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** How long live calls may run on after a shutdown signal. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  /**
   * A server process not heard from for this long is taken for dead, and
   * the calls whose media it held are reconciled by the others (or by the
   * next start).
   */
  INSTANCE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /**
   * Server processes sharing the port (node:cluster), each with its own
   * event loop; more than one needs DATABASE_URL.
   */
  WORKERS: z.coerce
    .number({ message: 'WORKERS must be a number' })
    .int('WORKERS must be a whole number')
    .min(1, 'WORKERS must be at least 1')
    .max(64, 'WORKERS must be at most 64')
    .default(1),
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** A 32-byte key from base64 or hex, or undefined. */
export function decodeKey(value: string): Buffer | undefined {
  const trimmed = value.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** Raised with one line per bad variable. */
export class ServerConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid server configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ServerConfigError';
  }
}

/** @throws ServerConfigError */
export function loadServerConfig(
  env: Record<string, string | undefined> = process.env,
): ServerConfig {
  // An empty variable means unset, as shells and .env files write it.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = serverConfigSchema
    .refine((config) => config.WORKERS === 1 || config.DATABASE_URL !== undefined, {
      path: ['WORKERS'],
      message: 'WORKERS above 1 needs DATABASE_URL: the embedded database serves one process',
    })
    .safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ServerConfigError(
    parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
    ),
  );
}
