/**
 * fastify's schema compilers, loaded on first use (issue 12 item 1, idle RSS). fastify requires
 * its validator (`@fastify/ajv-compiler`, with ajv and ajv-formats) and serializer
 * (`@fastify/fast-json-stringify-compiler`) when an instance is made, whether or not a route has
 * a schema: about 6 MB of an idle server's RSS (BENCHMARKS.md). These factories load the same
 * modules, resolved as fastify resolves them, the first time fastify needs a compiler — when a
 * route with a schema is added; no route of ours declares one today.
 *
 * One difference while a route did declare one: fastify treats factories given to it as custom
 * compilers, and then passes a `headers` schema as written instead of lower-casing its property
 * names first. Write header names in lower case.
 */
import type { FastifyServerOptions } from 'fastify';
import { createRequire } from 'node:module';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

function lazyFactory<F extends (...args: never[]) => unknown>(moduleName: string): F {
  let factory: F | undefined;
  return ((...args: Parameters<F>) => {
    factory ??= (requireFromFastify(moduleName) as () => F)();
    return factory(...args);
  }) as F;
}

/** For `Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } })`. */
export function lazySchemaCompilers(): Factories {
  return {
    buildValidator: lazyFactory<NonNullable<Factories['buildValidator']>>('@fastify/ajv-compiler'),
    buildSerializer: lazyFactory<NonNullable<Factories['buildSerializer']>>(
      '@fastify/fast-json-stringify-compiler',
    ),
  };
}
