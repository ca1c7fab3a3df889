/**
 * The RPC endpoint's plug-in points, through unmodified pop-core against the real plugin on a
 * real port: dispatch by API version, the caller handed to handlers (with the STS token), the one
 * AccessKey lookup, and the `authorize` hook that runs after authentication and before the handler.
 */
import RPCClient from '@alicloud/pop-core';
import Fastify, { type FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiErrors } from '../../src/errors/api-error.js';
import { InMemoryReplayCache } from '../../src/rpc/replay-cache.js';
import { rpcPlugin } from '../../src/rpc/rpc-plugin.js';
import type { RpcRequest } from '../../src/rpc/rpc-types.js';
import { popError } from '../support/vod-client.js';

const KEY = { accessKeyId: 'AKDISPATCH', accessKeySecret: 'dispatch-secret' };

describe('RPC endpoint: versions, caller, authorize', () => {
  let app: FastifyInstance;
  let endpoint: string;
  const lookups: Array<[string, string | undefined]> = [];
  const authorized: string[] = [];
  const seen: RpcRequest[] = [];

  before(async () => {
    app = Fastify();
    const echo = async (request: RpcRequest) => {
      seen.push(request);
      return { Action: request.action, Version: request.version, Caller: request.caller.accessKeyId };
    };
    await app.register(rpcPlugin, {
      apis: {
        '2017-03-21': { GetVideoInfo: echo, DeleteVideo: echo },
        '2015-04-01': { GetCallerIdentity: echo },
      },
      findAccessKey: async (id, token) => {
        lookups.push([id, token]);
        return id === KEY.accessKeyId ? { secret: KEY.accessKeySecret, active: true } : undefined;
      },
      authorize: async (request) => {
        authorized.push(`${request.version}/${request.action}`);
        if (request.action === 'DeleteVideo') throw apiErrors.forbidden();
      },
      replayCache: new InMemoryReplayCache(),
      hostId: 'vod.test',
      recommendBase: 'http://vod.test/docs',
    });
    endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(() => app.close());

  const client = (apiVersion: string, securityToken?: string) =>
    new RPCClient({ endpoint, apiVersion, ...KEY, ...(securityToken ? { securityToken } : {}) });

  test('the same endpoint dispatches by Version', async () => {
    const vod = await client('2017-03-21').request<Record<string, string>>('GetVideoInfo', {});
    assert.deepEqual([vod.Action, vod.Version, vod.Caller], ['GetVideoInfo', '2017-03-21', KEY.accessKeyId]);
    const sts = await client('2015-04-01').request<Record<string, string>>('GetCallerIdentity', {});
    assert.deepEqual([sts.Action, sts.Version], ['GetCallerIdentity', '2015-04-01']);
  });

  test('an action of another version is InvalidApi.NotFound; an unknown version names the known ones', async () => {
    const wrongApi = await popError(client('2015-04-01').request('GetVideoInfo', {}));
    assert.equal(wrongApi.code, 'InvalidApi.NotFound');
    assert.equal(wrongApi.entry.response.statusCode, 404);
    const wrongVersion = await popError(client('2099-01-01').request('GetVideoInfo', {}));
    assert.equal(wrongVersion.code, 'InvalidVersion');
    assert.match(wrongVersion.data.Message, /2017-03-21, 2015-04-01/);
  });

  test('SecurityToken reaches the AccessKey lookup and the handler', async () => {
    seen.length = 0;
    lookups.length = 0;
    await client('2017-03-21', 'token-123').request('GetVideoInfo', {});
    assert.deepEqual(lookups, [[KEY.accessKeyId, 'token-123']]);
    assert.deepEqual(seen[0]?.caller, { accessKeyId: KEY.accessKeyId, securityToken: 'token-123' });
  });

  test('authorize runs after authentication and can refuse', async () => {
    authorized.length = 0;
    seen.length = 0;
    const denied = await popError(client('2017-03-21').request('DeleteVideo', {}));
    assert.equal(denied.code, 'Forbidden');
    assert.equal(denied.entry.response.statusCode, 403);
    assert.deepEqual(authorized, ['2017-03-21/DeleteVideo']);
    assert.equal(seen.length, 0, 'the handler must not run');

    const forged = new RPCClient({ endpoint, apiVersion: '2017-03-21', ...KEY, accessKeySecret: 'wrong' });
    const unsigned = await popError(forged.request('DeleteVideo', {}));
    assert.equal(unsigned.code, 'SignatureDoesNotMatch');
    assert.deepEqual(authorized, ['2017-03-21/DeleteVideo'], 'authorize sees only authenticated requests');
  });
});
