/**
 * `/readyz` (issue 10 §6): is this node able to serve? Each dependency has a small check that
 * does the cheapest real round trip it has:
 * - `database`: `select 1`;
 * - `storage`: `head` of a key that never exists (a round trip to the bucket or directory);
 * - `redis` (cluster mode only): `PING`;
 * - `kms`: wraps and unwraps 16 bytes under a context of its own (the KMS contract has no ping;
 *   this proves the master key is usable, e.g. the HSM session is alive).
 * Checks run in parallel, each with a deadline; results are cached for `cacheMs` so a burst of
 * probes costs one round of checks. Error texts pass through `redactSecrets` (a connection
 * string in an error must not reach a probe's log).
 */
export type HealthCheck = () => Promise<void>;

export interface DependencyStatus {
  status: 'ok' | 'failed';
  latencyMs: number;
  error?: string;
}

export interface Readiness {
  status: 'ready' | 'not-ready' | 'draining';
  checks: Record<string, DependencyStatus>;
}

export class ReadinessProbe {
  private cached: { at: number; result: Promise<Readiness> } | undefined;
  private draining = false;

  constructor(
    private readonly checks: Record<string, HealthCheck>,
    private readonly options: { timeoutMs: number; cacheMs: number } = { timeoutMs: 2000, cacheMs: 1000 },
  ) {}

  /** From now on the node reports `draining` (SIGTERM): load balancers stop sending it work. */
  startDraining(): void {
    this.draining = true;
  }

  check(): Promise<Readiness> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.options.cacheMs) {
      this.cached = { at: now, result: this.run() };
    }
    return this.cached.result.then((r) => (this.draining ? { ...r, status: 'draining' } : r));
  }

  private async run(): Promise<Readiness> {
    const entries = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]): Promise<[string, DependencyStatus]> => {
        const started = performance.now();
        try {
          await withDeadline(check(), this.options.timeoutMs, name);
          return [name, { status: 'ok', latencyMs: elapsed(started) }];
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return [name, { status: 'failed', latencyMs: elapsed(started), error: redactSecrets(message) }];
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, s]) => s.status === 'ok');
    return { status: ready ? 'ready' : 'not-ready', checks };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

async function withDeadline<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Removes credentials from URLs (`scheme://user:password@host`) and caps the length. */
export function redactSecrets(message: string): string {
  return message.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@').slice(0, 300);
}
