import type postgres from 'postgres';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

const LIVE = ['queued', 'initiated', 'ringing', 'in-progress'];

/**
 * What an operator graphs and alerts on, in Prometheus's text format
 * (GET /metrics): the process's own (event-loop delay, heap, GC), live calls
 * by carrier (read from the database at each scrape, so every process
 * reports the deployment's), and counters of what this process saw: calls
 * ended by status, inbound calls refused by reason, webhook signatures
 * refused, call-event deliveries by outcome.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly callsEnded: Counter<'provider' | 'status'>;
  readonly inboundRefused: Counter<'provider' | 'reason'>;
  readonly signatureFailures: Counter<'provider'>;
  readonly eventDeliveries: Counter<'outcome'>;

  constructor(sql: postgres.Sql) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'patchbay_process_' });
    new Gauge({
      name: 'patchbay_calls_active',
      help: 'Calls not yet ended, by carrier (the whole deployment)',
      labelNames: ['provider'],
      registers,
      async collect() {
        this.reset();
        const rows = await sql<{ provider: string; live: number }[]>`
          select provider, count(*)::int as live from calls
          where status in ${sql(LIVE)} group by provider`;
        for (const row of rows) this.set({ provider: row.provider }, row.live);
      },
    });
    this.callsEnded = new Counter({
      name: 'patchbay_calls_ended_total',
      help: 'Calls this process saw end, by carrier and final status',
      labelNames: ['provider', 'status'],
      registers,
    });
    this.inboundRefused = new Counter({
      name: 'patchbay_inbound_calls_refused_total',
      help: 'Inbound calls this process refused, by carrier and reason',
      labelNames: ['provider', 'reason'],
      registers,
    });
    this.signatureFailures = new Counter({
      name: 'patchbay_webhook_signature_failures_total',
      help: 'Carrier webhooks refused for their signature, by carrier',
      labelNames: ['provider'],
      registers,
    });
    this.eventDeliveries = new Counter({
      name: 'patchbay_event_deliveries_total',
      help: 'Call-event webhook delivery attempts this process made, by outcome',
      labelNames: ['outcome'],
      registers,
    });
  }
}
