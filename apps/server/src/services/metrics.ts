import type { MediaHealth } from '@patchbay/core';
import type postgres from 'postgres';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const LIVE = ['queued', 'initiated', 'ringing', 'in-progress'];

/**
 * What an operator graphs and alerts on, in Prometheus's text format
 * (GET /metrics): the process's own (event-loop delay, heap, GC), live calls
 * by carrier (read from the database at each scrape, so every process
 * reports the deployment's), and counters of what this process saw: calls
 * ended by status, inbound calls refused by reason, webhook signatures
 * refused, call-event deliveries by outcome, carrier API latency, and each
 * call's media health when its media ends (jitter, the longest pause in the
 * carrier's audio, underruns).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly callsEnded: Counter<'provider' | 'status'>;
  readonly inboundRefused: Counter<'provider' | 'reason'>;
  readonly signatureFailures: Counter<'provider'>;
  readonly eventDeliveries: Counter<'outcome'>;
  readonly carrierApi: Histogram<'provider' | 'operation' | 'outcome'>;
  private readonly mediaJitter: Histogram<'provider'>;
  private readonly mediaLongestGap: Histogram<'provider'>;
  private readonly mediaUnderruns: Counter<'provider'>;
  private readonly mediaCallerGaps: Counter<'provider'>;

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
    this.carrierApi = new Histogram({
      name: 'patchbay_carrier_api_seconds',
      help: 'Carrier API requests this process made (place, hang up, transfer), by outcome',
      labelNames: ['provider', 'operation', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    });
    this.mediaJitter = new Histogram({
      name: 'patchbay_media_jitter_milliseconds',
      help: 'Interarrival jitter of the carrier’s audio over each call’s media (RFC 3550 estimate)',
      labelNames: ['provider'],
      buckets: [1, 2, 5, 10, 20, 40, 80],
      registers,
    });
    this.mediaLongestGap = new Histogram({
      name: 'patchbay_media_longest_gap_milliseconds',
      help: 'The longest pause in the carrier’s audio over each call’s media (0: none over 40 ms)',
      labelNames: ['provider'],
      buckets: [0, 60, 100, 200, 500, 1000, 3000],
      registers,
    });
    this.mediaCallerGaps = new Counter({
      name: 'patchbay_media_caller_gaps_total',
      help: 'Pauses over two frames in carriers’ audio (frames late or missing)',
      labelNames: ['provider'],
      registers,
    });
    this.mediaUnderruns = new Counter({
      name: 'patchbay_media_agent_underruns_total',
      help: 'Times callers heard a hole mid-utterance because the agent’s audio came late',
      labelNames: ['provider'],
      registers,
    });
  }

  /** One call's media, as it ended. */
  mediaEnded(provider: string, health: MediaHealth): void {
    this.mediaJitter.observe({ provider }, health.jitterMs);
    this.mediaLongestGap.observe({ provider }, health.longestCallerGapMs);
    this.mediaCallerGaps.inc({ provider }, health.callerGaps);
    this.mediaUnderruns.inc({ provider }, health.agentUnderruns);
  }

  /** Times a carrier API request and counts its outcome; returns what it returned. */
  async timeCarrier<T>(provider: string, operation: string, request: () => Promise<T>): Promise<T> {
    const stop = this.carrierApi.startTimer({ provider, operation });
    try {
      const result = await request();
      stop({ outcome: 'ok' });
      return result;
    } catch (error) {
      stop({ outcome: 'error' });
      throw error;
    }
  }
}
