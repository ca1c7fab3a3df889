/**
 * The `PackageStore` conformance suite (src/offline/package-store.ts; STYLE §2): every backend
 * must pass it. It runs INSIDE a page (pass it to `page.evaluate` with the store kind), against
 * the built SDK's `SecureVod.openPackageStore(kind)`, so it must stay self-contained: no imports,
 * no outer variables. Resolves with the names of the checks that ran; throws at the first
 * failure, naming it.
 */

/** What the suite uses of the SDK global (a structural copy of the public types). */
interface ContractStore {
  kind: string;
  create(record: object): Promise<{
    write(bytes: Uint8Array): Promise<void>;
    commit(): Promise<{ id: string; createdAt: string; size: number }>;
    abort(): Promise<void>;
  }>;
  list(): Promise<Array<{ id: string }>>;
  get(id: string): Promise<{ id: string; size: number; videoId: string; secretVersion: number } | undefined>;
  remove(id: string): Promise<boolean>;
  openSource(
    id: string,
  ): Promise<{ size: number; read(offset: number, length: number): Promise<Uint8Array> }>;
}

export async function packageStoreContract(kind: string): Promise<string[]> {
  const sdk = (window as unknown as { SecureVod: { openPackageStore(kind: string): Promise<ContractStore> } })
    .SecureVod;
  const ran: string[] = [];
  const check = (name: string, ok: boolean, detail = ''): void => {
    if (!ok) throw new Error(`${kind}: ${name}${detail ? ` (${detail})` : ''}`);
  };
  const step = async (name: string, body: () => Promise<void>): Promise<void> => {
    await body();
    ran.push(name);
  };
  const rejectsWith = async (promise: Promise<unknown>, what: string): Promise<string> => {
    try {
      await promise;
    } catch (error) {
      return (error as { code?: string; name?: string }).code ?? (error as Error).name;
    }
    throw new Error(`${kind}: ${what} should have failed`);
  };

  // 2.5 MiB + 7 bytes of a recognisable pattern, written in odd-sized pieces (blocks are 1 MiB).
  const SIZE = 2.5 * 1024 * 1024 + 7;
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) bytes[i] = (i * 31 + (i >> 11)) & 0xff;
  const record = (id: string, size = SIZE) => ({
    id,
    videoId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    definition: 'SD',
    secretVersion: 3,
    appIdentification: `web:${location.origin}`,
    size,
    createdAt: '2000-01-01T00:00:00.000Z',
  });
  const writeAll = async (write: { write(b: Uint8Array): Promise<void> }, data: Uint8Array) => {
    for (let at = 0; at < data.length; at += 100_003) await write.write(data.slice(at, at + 100_003));
  };
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

  const store = await sdk.openPackageStore(kind);
  check('the store is of the kind asked for', store.kind === kind, store.kind);
  for (const old of await store.list()) await store.remove(old.id);

  await step('a package is invisible until committed, then listed, got and read at any offset', async () => {
    const write = await store.create(record('contract-a'));
    await writeAll(write, bytes.subarray(0, 1000));
    check('not listed while written', (await store.list()).length === 0);
    check('get is undefined while written', (await store.get('contract-a')) === undefined);
    check(
      'openSource refuses while written',
      (await rejectsWith(store.openSource('contract-a'), 'openSource')) === 'NotFound',
    );
    await writeAll(write, bytes.subarray(1000));
    const committed = await write.commit();
    check('commit returns the record', committed.id === 'contract-a' && committed.size === SIZE);
    check('commit sets createdAt', committed.createdAt !== '2000-01-01T00:00:00.000Z');
    const got = await store.get('contract-a');
    check(
      'get returns the record',
      got?.videoId === 'a1b2c3d4e5f60718293a4b5c6d7e8f90' && got.secretVersion === 3,
    );
    check('listed', (await store.list()).map((r) => r.id).join() === 'contract-a');
    const source = await store.openSource('contract-a');
    check('size', source.size === SIZE, String(source.size));
    const MiB = 1024 * 1024;
    for (const [offset, length] of [
      [0, 16],
      [MiB - 5, 10],
      [MiB, 1],
      [MiB - 1, MiB + 2],
      [SIZE - 7, 7],
      [0, SIZE],
    ]) {
      const got = await source.read(offset!, length!);
      check(`read ${length} at ${offset}`, same(got, bytes.subarray(offset!, offset! + length!)));
    }
  });

  await step('another instance of the store sees the same packages', async () => {
    const again = await sdk.openPackageStore(kind);
    const source = await again.openSource('contract-a');
    check('same bytes', same(await source.read(SIZE - 100, 100), bytes.subarray(SIZE - 100)));
  });

  await step('newest first', async () => {
    await new Promise((r) => setTimeout(r, 10));
    const write = await store.create(record('contract-b', 5));
    await write.write(bytes.subarray(0, 5));
    await write.commit();
    check('order', (await store.list()).map((r) => r.id).join() === 'contract-b,contract-a');
  });

  await step('abort removes everything written', async () => {
    const write = await store.create(record('contract-c'));
    await writeAll(write, bytes.subarray(0, 1_500_000));
    await write.abort();
    await write.abort(); // twice is fine
    check('not listed', !(await store.list()).some((r) => r.id === 'contract-c'));
    check('not got', (await store.get('contract-c')) === undefined);
    check('remove finds nothing', (await store.remove('contract-c')) === false);
  });

  await step('commit refuses a package of the wrong size and keeps nothing', async () => {
    const write = await store.create(record('contract-d', 100));
    await write.write(bytes.subarray(0, 99));
    check('SizeMismatch', (await rejectsWith(write.commit(), 'commit')) === 'SizeMismatch');
    check('not listed', !(await store.list()).some((r) => r.id === 'contract-d'));
  });

  await step('remove', async () => {
    check('removed', (await store.remove('contract-a')) === true);
    check('gone from the list', (await store.list()).map((r) => r.id).join() === 'contract-b');
    check(
      'openSource refuses',
      (await rejectsWith(store.openSource('contract-a'), 'openSource')) === 'NotFound',
    );
    check('removed twice', (await store.remove('contract-a')) === false);
    await store.remove('contract-b');
  });

  await step('ids are a safe alphabet (they become file names)', async () => {
    for (const id of ['../escape', 'a/b', '', 'x'.repeat(65)]) {
      check(
        `refuses ${JSON.stringify(id)}`,
        (await rejectsWith(store.create(record(id)), 'create')) === 'TypeError',
      );
    }
  });

  return ran;
}
