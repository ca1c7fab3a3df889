/** SetMessageCallback / GetMessageCallback (reference §2.15): HTTP callbacks only. */
import {
  parseEventTypeList,
  validateAuthKey,
  validateCallbackUrl,
  type CallbackConfigStore,
} from '../callbacks/callback-config.js';
import { DEFAULT_APP_ID } from '../catalogue/template-group-service.js';
import { apiErrors } from '../errors/api-error.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';

export function messageCallbackActions(deps: { config: CallbackConfigStore }): Record<string, ActionHandler> {
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
      await deps.config.set({
        callbackType: 'HTTP',
        callbackUrl: validateCallbackUrl('CallbackURL', rawUrl),
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
