/**
 * Prometheus metrics (issue 10 §6; names listed in docs/operations.md). One registry per server
 * instance, so several servers in one process (tests) do not mix. Only this file imports
 * prom-client.
 *
 * What is measured, and what never is: labels are route families, job types, outcomes, HTTP
 * status classes and storage operation names — never ids, URLs, query strings, tokens, keys or
 * AccessKey ids, so a scrape holds nothing secret and its cardinality is fixed.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATUSES, type JobQueue } from '../jobs/job-queue.js';
import { JOB_TYPES } from '../jobs/job-types.js';
import { STATEMENT_KINDS, type StatementCounter } from '../store/statement-counter.js';
import type { RouteFamily } from './route-family.js';

export type JobOutcome = 'succeeded' | 'retrying' | 'failed' | 'released' | 'lease-lost';

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'family' | 'method' | 'status_class'>;
  private readonly latency: Histogram<'family'>;
  private readonly keyDeliveries: Counter<'scheme'>;
  private readonly jobDuration: Histogram<'type' | 'outcome'>;
  private readonly transcodeSeconds: Counter<'outcome'>;
  private readonly storageErrors: Counter<'operation'>;

  constructor(
    options: {
      queue?: JobQueue;
      /** The metadata database's statement counts, read at scrape time. */
      statements?: StatementCounter;
      onCollectError?: (error: unknown) => void;
    } = {},
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'securevod_' });
    this.requests = new Counter({
      name: 'securevod_http_requests_total',
      help: 'HTTP requests answered, by route family, method and status class (2xx, 4xx, …)',
      labelNames: ['family', 'method', 'status_class'],
      registers,
    });
    this.latency = new Histogram({
      name: 'securevod_http_request_duration_seconds',
      help: 'Time from request to the last response byte handed to the socket, by route family',
      labelNames: ['family'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers,
    });
    this.keyDeliveries = new Counter({
      name: 'securevod_key_deliveries_total',
      help: 'Content keys handed out by the key service, by scheme (aes-128, aes-256-gcm)',
      labelNames: ['scheme'],
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'securevod_job_duration_seconds',
      help: 'Time a worker spent on one job attempt, by job type and outcome',
      labelNames: ['type', 'outcome'],
      buckets: [0.05, 0.25, 1, 5, 15, 60, 180, 600, 1800, 3600],
      registers,
    });
    this.transcodeSeconds = new Counter({
      name: 'securevod_transcode_seconds_total',
      help: 'Worker seconds spent in transcode jobs, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.storageErrors = new Counter({
      name: 'securevod_storage_errors_total',
      help: 'Object storage operations that failed (a missing object is not an error), by operation',
      labelNames: ['operation'],
      registers,
    });
    const statements = options.statements;
    if (statements) {
      new Counter({
        name: 'securevod_db_statements_total',
        help: 'SQL statements sent to the metadata database by this process, by kind (select, insert, update, delete, other)',
        labelNames: ['kind'],
        registers,
        collect() {
          const counts = statements.snapshot();
          this.reset();
          for (const kind of STATEMENT_KINDS) this.inc({ kind }, counts[kind]);
        },
      });
    }
    const queue = options.queue;
    if (queue) {
      new Gauge({
        name: 'securevod_jobs',
        help: 'Jobs in the queue by type and status (queue depth: status="queued"); read at scrape time',
        labelNames: ['type', 'status'],
        registers,
        async collect() {
          try {
            // A queue that does not answer (Redis down) must not hold the scrape.
            const stats = await Promise.race([
              queue.stats(),
              new Promise<never>((_, reject) =>
                setTimeout(() => reject(new Error('queue stats timed out')), 1000).unref(),
              ),
            ]);
            for (const type of JOB_TYPES) {
              for (const status of JOB_STATUSES) this.set({ type, status }, stats.byType[type][status]);
            }
          } catch (error) {
            options.onCollectError?.(error);
          }
        },
      });
    }
  }

  request(family: RouteFamily, method: string, statusCode: number, seconds: number): void {
    this.requests.inc({ family, method, status_class: `${Math.floor(statusCode / 100)}xx` });
    this.latency.observe({ family }, seconds);
  }

  keyDelivered(scheme: 'aes-128' | 'aes-256-gcm'): void {
    this.keyDeliveries.inc({ scheme });
  }

  jobFinished(type: string, outcome: JobOutcome, seconds: number): void {
    this.jobDuration.observe({ type, outcome }, seconds);
    if (type === 'transcode') this.transcodeSeconds.inc({ outcome }, seconds);
  }

  storageError(operation: string): void {
    this.storageErrors.inc({ operation });
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
