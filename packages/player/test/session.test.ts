/** PlaybackSession: when it refreshes, single flight, and when it falls back to a new PlayAuth. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { PlayerError } from '../src/errors.js';
import type { SessionInfo } from '../src/play-info.js';
import { PlaybackSession, type SessionRefreshedEvent } from '../src/session.js';

const session = (token: string, lifetimeMs: number): SessionInfo => ({
  Token: token,
  ExpiresAt: new Date(Date.now() + lifetimeMs).toISOString(),
});
const refused = () =>
  new PlayerError({
    type: 'auth',
    details: 'tokenExpired',
    code: 'MediaTokenExpired',
    message: 'refused',
    status: 403,
  });
const unreachable = () =>
  new PlayerError({ type: 'network', details: 'requestFailed', message: 'down', status: 0 });

void describe('PlaybackSession', () => {
  void it('refreshes at 80 % of the lifetime and keeps doing so', async () => {
    const calls: Array<{ token: string; at: number }> = [];
    const events: SessionRefreshedEvent[] = [];
    const start = Date.now();
    let n = 0;
    const s = new PlaybackSession({
      initial: session('t0', 500),
      policy: { minRefreshDelayMs: 10 },
      refresh: async (token) => {
        calls.push({ token, at: Date.now() - start });
        return session(`t${++n}`, 500);
      },
      onRefreshed: (e) => events.push(e),
    });
    s.start();
    try {
      await delay(300);
      assert.equal(calls.length, 0, 'not before 80 %');
      await delay(600);
      assert.ok(calls.length >= 2, `refreshed ${calls.length} times`);
      assert.ok(calls[0]!.at >= 380 && calls[0]!.at < 600, `first refresh at ${calls[0]!.at} ms`);
      assert.deepEqual(
        calls.slice(0, 2).map((c) => c.token),
        ['t0', 't1'],
        'each refresh trades the newest token',
      );
      assert.equal(s.token, `t${n}`);
      assert.equal(s.refreshes, n);
      assert.deepEqual(events[0]?.via, 'refresh');
    } finally {
      s.stop();
    }
    const after = calls.length;
    await delay(500);
    assert.equal(calls.length, after, 'stop() ends the schedule');
  });

  void it('shares one refresh among concurrent callers, and retries with a newer token without asking', async () => {
    let calls = 0;
    const s = new PlaybackSession({
      initial: session('t0', 60_000),
      refresh: async () => {
        calls++;
        await delay(20);
        return session('t1', 60_000);
      },
    });
    const [a, b, c] = await Promise.all([
      s.refresh(),
      s.refreshAfterRejection('t0'),
      s.refreshAfterRejection('t0'),
    ]);
    assert.deepEqual([a, b, c, calls], ['t1', 't1', 't1', 1]);
    assert.equal(await s.refreshAfterRejection('t0'), 't1', 'a request that used an old token just retries');
    assert.equal(calls, 1);
    s.stop();
  });

  void it('asks for a new PlayAuth only when the server refuses to refresh', async () => {
    const events: SessionRefreshedEvent[] = [];
    let renewals = 0;
    const s = new PlaybackSession({
      initial: session('t0', 60_000),
      refresh: async () => {
        throw refused();
      },
      renew: async () => {
        renewals++;
        return session('fresh', 60_000);
      },
      onRefreshed: (e) => events.push(e),
    });
    assert.equal(await s.refreshAfterRejection('t0'), 'fresh');
    assert.equal(renewals, 1);
    assert.equal(events[0]?.via, 'playAuth');
    s.stop();
  });

  void it('without refreshPlayAuth, a refusal is auth/sessionExpired with the server code', async () => {
    const s = new PlaybackSession({
      initial: session('t0', 60_000),
      refresh: async () => {
        throw refused();
      },
    });
    await assert.rejects(s.refresh(), (e: unknown) => {
      assert.ok(e instanceof PlayerError);
      assert.equal(e.type, 'auth');
      assert.equal(e.details, 'sessionExpired');
      assert.equal(e.code, 'MediaTokenExpired');
      return true;
    });
    s.stop();
  });

  void it('a network failure while the token is valid is retried later, not renewed', async () => {
    const errors: PlayerError[] = [];
    let attempts = 0;
    let renewals = 0;
    const s = new PlaybackSession({
      initial: session('t0', 250),
      policy: { retryAfterFailureMs: 50, minRefreshDelayMs: 10 },
      refresh: async () => {
        if (++attempts === 1) throw unreachable();
        return session('t1', 60_000);
      },
      renew: async () => {
        renewals++;
        return session('never', 60_000);
      },
      onError: (e) => errors.push(e),
    });
    s.start();
    await delay(350);
    s.stop();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.details, 'sessionRefreshFailed');
    assert.equal(errors[0]!.fatal, false);
    assert.equal(attempts, 2);
    assert.equal(renewals, 0);
    assert.equal(s.token, 't1');
  });

  void it('stops for good on a concurrent-stream refusal: no renewal, no retry, one error', async () => {
    const errors: PlayerError[] = [];
    let attempts = 0;
    let renewals = 0;
    const s = new PlaybackSession({
      initial: session('t0', 200),
      policy: { minRefreshDelayMs: 10, retryAfterFailureMs: 20 },
      refresh: async () => {
        attempts++;
        throw new PlayerError({
          type: 'auth',
          details: 'concurrentStreams',
          code: 'Forbidden.ConcurrentStreams',
          message: 'ended',
          status: 403,
        });
      },
      renew: async () => {
        renewals++;
        return session('t9', 60_000);
      },
      onError: (e) => errors.push(e),
    });
    s.start();
    try {
      await delay(400);
      assert.equal(attempts, 1, 'not retried');
      assert.equal(renewals, 0, 'no new PlayAuth: it would end another screen');
      assert.deepEqual(
        errors.map((e) => e.details),
        ['concurrentStreams'],
      );
    } finally {
      s.stop();
    }
  });

  void it('refreshes after RefreshAfterSeconds when the server asks for sooner than 80 %', async () => {
    let at = 0;
    const start = Date.now();
    const s = new PlaybackSession({
      initial: { ...session('t0', 60_000), RefreshAfterSeconds: 0.2 },
      policy: { minRefreshDelayMs: 10 },
      refresh: async () => {
        at ||= Date.now() - start;
        return session('t1', 60_000);
      },
    });
    s.start();
    try {
      for (let i = 0; i < 40 && at === 0; i++) await delay(50);
      assert.ok(at > 0 && at < 5_000, `refreshed after ${at} ms, not at 80 % of a minute`);
    } finally {
      s.stop();
    }
  });
});
