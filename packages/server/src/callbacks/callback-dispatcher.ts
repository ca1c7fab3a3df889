/**
 * Sends events to the callback endpoint (reference §3): `emit` only enqueues a `callback` job,
 * so a slow or dead endpoint never stalls uploads or transcoding; `deliver` is that job's
 * handler — one POST with a 5-second timeout through the outbound client (so loopback, private
 * and link-local destinations are refused after DNS resolution unless the operator allows them);
 * a failure throws and the worker retries it, a refused destination fails at once.
 */
import type { JobQueue } from '../jobs/job-queue.js';
import { OutboundError, type OutboundClient } from '../outbound/outbound-client.js';
import type { JobPayloads } from '../jobs/job-types.js';
import { callbackAuthHeaders } from './callback-auth.js';
import type { CallbackConfigStore, CallbackEventType, ParsedUserData } from './callback-config.js';

export const CALLBACK_TIMEOUT_MS = 5000;

export class CallbackDeliveryError extends Error {
  override readonly name = 'CallbackDeliveryError';
  constructor(
    message: string,
    options?: { cause?: unknown },
    /** A refused or malformed destination: retrying cannot help. */
    readonly permanent = false,
  ) {
    super(message, options);
  }
}

export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class CallbackDispatcher {
  constructor(
    private readonly deps: {
      config: CallbackConfigStore;
      queue: Pick<JobQueue, 'enqueue'>;
      onEnqueued?: () => void;
      /** Sends the POSTs; absent, `deliver` cannot be used (API-only processes never deliver). */
      outbound?: OutboundClient;
      now?: () => Date;
    },
  ) {}

  /** Queues `body` for the configured (or UserData-overridden) URL, if that event is enabled. */
  async emit(
    eventType: CallbackEventType,
    body: Record<string, unknown>,
    userData: ParsedUserData = {},
  ): Promise<void> {
    // Reference §3.4: a UserData URL takes effect only where HTTP callbacks and the event are
    // configured; it then replaces the configured URL for this video's events.
    const config = await this.deps.config.get();
    if (!config || !config.eventTypes.includes(eventType)) return;
    const url = userData.callbackUrl ?? config.callbackUrl;
    const event = {
      EventTime: eventTime(this.deps.now?.() ?? new Date()),
      EventType: eventType,
      ...body,
      ...(userData.extend !== undefined ? { Extend: userData.extend } : {}),
    };
    await this.deps.queue.enqueue(
      'callback',
      { url, body: event, signed: config?.authSwitch === 'on' },
      { maxAttempts: 3 },
    );
    this.deps.onEnqueued?.();
  }

  /** Queues a `TestEvent` to the configured URL regardless of its event list (console "send test"). */
  async emitTest(): Promise<void> {
    const config = await this.deps.config.get();
    if (!config) return;
    const body = {
      EventTime: eventTime(this.deps.now?.() ?? new Date()),
      EventType: 'TestEvent',
      Status: 'success',
    };
    await this.deps.queue.enqueue(
      'callback',
      { url: config.callbackUrl, body, signed: config.authSwitch === 'on' },
      { maxAttempts: 3 },
    );
    this.deps.onEnqueued?.();
  }

  /** The `callback` job handler. */
  async deliver(payload: JobPayloads['callback'], signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (payload.signed) {
      const config = await this.deps.config.get();
      if (config?.authKey) {
        Object.assign(
          headers,
          callbackAuthHeaders(payload.url, config.authKey, (this.deps.now?.() ?? new Date()).getTime()),
        );
      }
    }
    if (!this.deps.outbound) throw new Error('CallbackDispatcher.deliver needs an outbound client');
    let status: number;
    try {
      const response = await this.deps.outbound.request(payload.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload.body),
        signal,
        timeoutMs: CALLBACK_TIMEOUT_MS,
        maxRedirects: 0,
      });
      status = response.status;
      response.body.resume();
    } catch (error) {
      const outbound = error instanceof OutboundError ? error : undefined;
      throw new CallbackDeliveryError(
        `callback to ${payload.url} failed: ${(error as Error).message}`,
        { cause: error },
        outbound?.permanent ?? false,
      );
    }
    if (status !== 200) {
      throw new CallbackDeliveryError(`callback to ${payload.url} answered HTTP ${status} (200 expected)`);
    }
  }
}
