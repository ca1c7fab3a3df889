/**
 * The vendor's own, unmodified V2 SDK core (`@alicloud/openapi-client`) pointed at a test server,
 * called exactly as the generated `@alicloud/vod20170321` client calls it: `callApi` with
 * `style 'RPC'`, `reqBodyType 'formData'`, `bodyType 'json'`, POST, every parameter in the query.
 * `signatureAlgorithm: 'v2'` switches it to signature v1 (HMAC-SHA1); the default is V3.
 */
import * as openapi from '@alicloud/openapi-client';
import { TEST_ROOT_KEY } from './server-process.js';

const { Config, OpenApiRequest, Params } = openapi;
// The package is CommonJS with `exports.default = Client`: under ESM the class is `default.default`.
const Client = openapi.default.default;

export type SignatureMode = 'v3' | 'v2';

export interface OpenApiError extends Error {
  code: string;
  data: { Code: string; Message: string; RequestId: string; statusCode: number };
}

export class VodOpenApi {
  private readonly client: InstanceType<typeof Client>;

  constructor(
    serverUrl: string,
    readonly mode: SignatureMode,
    key: { accessKeyId: string; accessKeySecret: string; securityToken?: string } = TEST_ROOT_KEY,
  ) {
    this.client = new Client(
      new Config({
        ...key,
        endpoint: new URL(serverUrl).host,
        protocol: 'HTTP',
        ...(mode === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
        readTimeout: 30_000,
      }),
    );
  }

  /** One action, as `client.<action>WithOptions(request, runtime)` of vod20170321 does it. */
  async call<T = Record<string, unknown>>(action: string, query: Record<string, string> = {}): Promise<T> {
    const params = new Params({
      action,
      version: '2017-03-21',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const response = (await this.client.callApi(params, new OpenApiRequest({ query }), {} as never)) as {
      body: T;
      statusCode: number;
    };
    return response.body;
  }
}

/** Runs a call that must fail and returns the error openapi-client raised. */
export async function openApiError(call: Promise<unknown>): Promise<OpenApiError> {
  try {
    await call;
  } catch (error) {
    return error as OpenApiError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
