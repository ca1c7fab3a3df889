/** SetMessageCallback / GetMessageCallback (reference §2.15): HTTP callbacks only. */
import {
  parseEventTypeList,
  validateAuthKey,
  validateCallbackUrl,
  type CallbackConfigStore,
} from '../callbacks/callback-config.js';
import { DEFAULT_APP_ID } from '../catalogue/template-group-service.js';
import { apiErrors } from '../errors/api-error.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { literalAddressRefusal, type OutboundPolicy } from '../outbound/outbound-policy.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';

export function messageCallbackActions(deps: {
  config: CallbackConfigStore;
  callbacks: CallbackDispatcher;
  queue: Pick<JobQueue, 'list'>;
  /** A callback URL naming a refused IP literal is refused here; host names at delivery. */
  outbound: OutboundPolicy;
}): Record<string, ActionHandler> {
  return {
    SetMessageCallback: async ({ params }) => {
      const type = (params.optional('CallbackType') ?? 'HTTP').toUpperCase();
      if (type !== 'HTTP')
        throw apiErrors.invalidParameter('CallbackType', 'Only HTTP callbacks are supported (MNS is not).');
      const previous = await deps.config.get();
      const rawUrl = params.optional('CallbackURL') ?? previous?.callbackUrl;
      if (rawUrl === undefined) throw apiErrors.missingParameter('CallbackURL');
      const authSwitch = params.oneOf('AuthSwitch', ['on', 'off'] as const) ?? previous?.authSwitch ?? 'off';
      const authKeyRaw = params.optional('AuthKey');
      const authKey = authKeyRaw !== undefined ? validateAuthKey(authKeyRaw) : (previous?.authKey ?? '');
      if (authSwitch === 'on' && authKey === '') {
        throw apiErrors.invalidParameter('AuthKey', 'It is required when AuthSwitch is on.');
      }
      const callbackUrl = validateCallbackUrl('CallbackURL', rawUrl);
      const refusal = literalAddressRefusal(deps.outbound, new URL(callbackUrl));
      if (refusal) throw apiErrors.invalidParameter('CallbackURL', refusal);
      await deps.config.set({
        callbackType: 'HTTP',
        callbackUrl,
        eventTypes:
          params.has('EventTypeList') || !previous
            ? parseEventTypeList(params.optional('EventTypeList'))
            : previous.eventTypes,
        authSwitch,
        authKey,
        appId: params.optional('AppId') ?? DEFAULT_APP_ID,
      });
      return {};
    },

    /** Our extension: queue a `TestEvent` to the configured URL (signed like real events). */
    SendTestCallback: async () => {
      const config = await deps.config.get();
      if (!config)
        throw apiErrors.invalidParameter(
          'CallbackURL',
          'No callback is configured; use SetMessageCallback first.',
        );
      await deps.callbacks.emitTest();
      return { CallbackURL: config.callbackUrl };
    },

    /** Our extension: recent deliveries and failures (newest first). */
    ListCallbackDeliveries: async ({ params }) => {
      const limit = params.integer('PageSize', { min: 1, max: 100, fallback: 20 })!;
      const jobs = await deps.queue.list({ type: 'callback', limit });
      return {
        CallbackDeliveries: {
          CallbackDelivery: jobs.map((job) => {
            const payload = job.payload as { url: string; body: Record<string, unknown> };
            return {
              EventType: String(payload.body.EventType ?? ''),
              VideoId: payload.body.VideoId ?? undefined,
              CallbackURL: payload.url,
              Status: job.status === 'succeeded' ? 'success' : job.status === 'failed' ? 'fail' : 'pending',
              Attempts: job.attempts,
              LastError: job.lastError ?? undefined,
              CreationTime: job.createdAt,
              FinishTime: job.finishedAt ?? undefined,
            };
          }),
        },
      };
    },

    GetMessageCallback: async () => {
      const config = await deps.config.get();
      if (!config) return { MessageCallback: {} };
      return {
        MessageCallback: {
          CallbackType: config.callbackType,
          CallbackURL: config.callbackUrl,
          EventTypeList: config.eventTypes.join(','),
          AuthSwitch: config.authSwitch,
          AuthKey: config.authKey,
          AppId: config.appId,
        },
      };
    },
  };
}
