import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type postgres from 'postgres';
import { Agent, fetch as undiciFetch } from 'undici';
import { CALL_EVENT_TYPES, type CallEventType } from '../storage/call-store.js';
import { isUuid } from '../storage/owned.js';
import type { ServerContext } from './server-context.js';
import { ServerError } from './server-errors.js';

/** Attempts before a delivery is given up (about a day and a half of backoff). */
export const MAX_DELIVERY_ATTEMPTS = 12;
const DELIVERY_TIMEOUT_MS = 10_000;
/** Deliveries one process sends at once. */
const BATCH = 20;

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** The events it hears; null for all. */
  events: CallEventType[] | null;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  eventType: string;
  createdAt: string;
  attempts: number;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
}

interface EndpointRow {
  id: string;
  organization_id: string;
  url: string;
  secret: Uint8Array;
  events: CallEventType[] | null;
  created_at: Date;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
  delivered_at: Date | null;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
}

const showEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  events: row.events,
  createdAt: row.created_at.toISOString(),
});

/**
 * The signature a receiver checks: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" under the endpoint's secret>`. The timestamp lets a receiver
 * refuse replays older than it tolerates.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/** Loopback, private, link-local and unspecified addresses, which a tenant must not make the server call. */
function privateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const version = isIP(host);
  if (version === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (version === 6)
    return (
      host === '::' ||
      host === '::1' ||
      host.startsWith('fc') ||
      host.startsWith('fd') ||
      host.startsWith('fe80') ||
      host.startsWith('::ffff:')
    );
  return false;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
type Resolve = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const resolveAll: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * A DNS lookup for outgoing webhook connections that refuses a name
 * resolving to a loopback or private address: checked on the addresses the
 * socket then connects to, so a name that resolves elsewhere at
 * registration and to the internal network at delivery (DNS rebinding) is
 * caught too.
 */
export function privateAddressGuard(resolve: Resolve = resolveAll) {
  return (
    hostname: string,
    options: { all?: boolean | undefined },
    callback: LookupCallback,
  ): void => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, []);
      const internal = addresses.find((entry) => privateHost(entry.address));
      if (internal || addresses.length === 0) {
        const refused: NodeJS.ErrnoException = new Error(
          internal
            ? `${hostname} resolves to a private address (${internal.address})`
            : `${hostname} resolves to no address`,
        );
        refused.code = 'EPRIVATEADDRESS';
        return callback(refused, []);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * Call events for the host application: endpoints an organization
 * registers, an outbox the call changes fill in their own transactions, and
 * a sender on every process that claims due deliveries (SKIP LOCKED, so two
 * processes never send one at once), signs and POSTs them, and retries
 * failures with exponential backoff. At least once: a receiver dedupes by
 * the delivery id.
 */
export class Webhooks {
  private readonly sql: postgres.Sql;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  /** Connections for deliveries; unless private URLs are allowed, they never reach one. */
  private readonly dispatcher: Agent;

  constructor(
    private readonly context: ServerContext,
    private readonly options: { readonly allowPrivateUrls: boolean; readonly pollMs?: number },
  ) {
    this.sql = context.database.sql;
    this.dispatcher = new Agent(
      options.allowPrivateUrls ? {} : { connect: { lookup: privateAddressGuard() } },
    );
  }

  /**
   * Registers an endpoint; its signing secret is returned here only.
   * @throws ServerError `invalid_body` for a URL the server will not call
   */
  async create(
    organizationId: string,
    request: { url: string; events?: CallEventType[] | undefined },
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = new URL(request.url);
    if (url.username || url.password)
      throw new ServerError('invalid_body', 'url: credentials in the URL are not accepted');
    if (!this.options.allowPrivateUrls && privateHost(url.hostname))
      throw new ServerError(
        'invalid_body',
        'url: a loopback or private address is not accepted (WEBHOOK_ALLOW_PRIVATE_URLS allows it)',
      );
    const id = randomUUID();
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const [row] = await this.sql<EndpointRow[]>`
      insert into webhook_endpoints (id, organization_id, url, secret, events)
      values (${id}, ${organizationId}, ${url.toString()}, ${this.context.cipher.encrypt(secret, id)},
              ${request.events ? this.sql.array(request.events) : null})
      returning *`;
    return { endpoint: showEndpoint(row!), secret };
  }

  async list(organizationId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.sql<EndpointRow[]>`
      select * from webhook_endpoints where organization_id = ${organizationId}
      order by created_at, id`;
    return rows.map(showEndpoint);
  }

  /** @throws ServerError `not_found` */
  async remove(organizationId: string, id: string): Promise<void> {
    const removed = isUuid(id)
      ? await this.sql`
          delete from webhook_endpoints where id = ${id} and organization_id = ${organizationId}
          returning id`
      : [];
    if (removed.length === 0) throw new ServerError('not_found', 'No such webhook endpoint');
  }

  /** An endpoint's newest deliveries with their attempts. @throws ServerError `not_found` */
  async deliveries(organizationId: string, id: string): Promise<WebhookDelivery[]> {
    const [endpoint] = isUuid(id)
      ? await this.sql`
          select id from webhook_endpoints where id = ${id} and organization_id = ${organizationId}`
      : [];
    if (!endpoint) throw new ServerError('not_found', 'No such webhook endpoint');
    const rows = await this.sql<DeliveryRow[]>`
      select * from webhook_deliveries where endpoint_id = ${id}
      order by created_at desc, id limit 100`;
    return rows.map((row) => ({
      id: row.id,
      eventType: row.event_type,
      createdAt: row.created_at.toISOString(),
      attempts: row.attempts,
      deliveredAt: row.delivered_at?.toISOString() ?? null,
      nextAttemptAt:
        row.delivered_at || !Number.isFinite(row.next_attempt_at.getTime())
          ? null
          : row.next_attempt_at.toISOString(),
      lastStatus: row.last_status,
      lastError: row.last_error,
    }));
  }

  start(): void {
    this.timer = setInterval(() => void this.sendDue(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** Stops sending; safe to call again (a server closed twice). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
    if (this.dispatcher.destroyed || this.dispatcher.closed) return;
    await this.dispatcher.close();
  }

  /** Sends what is due; one round at a time in this process. */
  sendDue(): Promise<void> {
    this.sending ??= this.sendRound()
      .catch((error: unknown) =>
        this.context.logger.error({ error: String(error) }, 'webhook delivery round failed'),
      )
      .finally(() => {
        this.sending = undefined;
      });
    return this.sending;
  }

  private async sendRound(): Promise<void> {
    // Claimed by pushing the next attempt out: a process that dies mid-send leaves it due again.
    const claimed = await this.sql<(DeliveryRow & { url: string; secret: Uint8Array })[]>`
      with due as (
        select d.id from webhook_deliveries d
        where d.delivered_at is null and d.next_attempt_at <= now()
        order by d.next_attempt_at limit ${BATCH}
        for update skip locked
      )
      update webhook_deliveries d
      set attempts = d.attempts + 1, next_attempt_at = now() + interval '1 minute'
      from due, webhook_endpoints e
      where d.id = due.id and e.id = d.endpoint_id
      returning d.*, e.url, e.secret`;
    await Promise.all(claimed.map((delivery) => this.send(delivery)));
  }

  private async send(delivery: DeliveryRow & { url: string; secret: Uint8Array }): Promise<void> {
    const secret = this.context.cipher.decrypt(delivery.secret, delivery.endpoint_id) as string;
    const body = JSON.stringify({ id: delivery.id, ...delivery.payload });
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await undiciFetch(delivery.url, {
        dispatcher: this.dispatcher,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Patchbay-Webhooks/1',
          'patchbay-delivery': delivery.id,
          'patchbay-event': delivery.event_type,
          'patchbay-signature': signWebhook(secret, timestamp, body),
        },
        body,
        // A redirect could point the server anywhere; the registered URL is the only target.
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await response.body?.cancel();
      status = response.status;
      if (status < 200 || status >= 300) error = `answered ${status}`;
    } catch (failure) {
      // fetch says "fetch failed"; why is in its cause (a refused address, a timeout, a reset).
      const cause = (failure as { cause?: unknown }).cause;
      error =
        cause instanceof Error
          ? cause.message
          : failure instanceof Error
            ? failure.message
            : String(failure);
    }
    this.context.metrics.eventDeliveries.inc({ outcome: error === null ? 'delivered' : 'failed' });
    if (error === null) {
      await this.sql`
        update webhook_deliveries set delivered_at = now(), last_status = ${status}, last_error = null
        where id = ${delivery.id}`;
      return;
    }
    const attempts = delivery.attempts;
    const backoffSeconds = Math.min(2 ** attempts, 3600);
    await this.sql`
      update webhook_deliveries set
        last_status = ${status}, last_error = ${error.slice(0, 500)},
        next_attempt_at = case when ${attempts >= MAX_DELIVERY_ATTEMPTS}
          then 'infinity'::timestamptz else now() + ${`${backoffSeconds} seconds`}::interval end
      where id = ${delivery.id}`;
    this.context.logger.warn(
      { deliveryId: delivery.id, event: delivery.event_type, attempts, error },
      'webhook delivery failed',
    );
  }
}

export { CALL_EVENT_TYPES, type CallEventType };
