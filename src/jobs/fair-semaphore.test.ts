import { FairSemaphore, SlotWaitAborted } from './fair-semaphore';

/** Records the order in which requests get their slot; `release(label)` frees that request's slot. */
function harness(capacity: number, perTenant: number) {
  const sem = new FairSemaphore({ capacity, perTenant });
  const granted: string[] = [];
  const releases = new Map<string, () => void>();
  const request = (tenant: string, label: string, signal?: AbortSignal) =>
    sem.acquire(tenant, signal).then((release) => { granted.push(label); releases.set(label, release); });
  const release = async (label: string) => {
    releases.get(label)!();
    await flush();
  };
  return { sem, granted, request, release };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('FairSemaphore', () => {
  test('when one tenant asks for more slots than its share, then the other slots stay free for other tenants', async () => {
    const h = harness(2, 1);
    for (let i = 1; i <= 5; i++) void h.request('a', `a${i}`);
    await flush();
    expect(h.granted).toEqual(['a1']);
    void h.request('b', 'b1');
    await flush();
    // b gets the second slot at once although a queued first (the old global semaphore: a1, a2)
    expect(h.granted).toEqual(['a1', 'b1']);
    expect(h.sem.snapshot()).toEqual({ a: { held: 1, waiting: 4 }, b: { held: 1, waiting: 0 } });
  });

  test('when slots free up, then waiting tenants are served round-robin, each tenant in arrival order', async () => {
    const h = harness(1, 1);
    void h.request('a', 'a1');
    await flush();
    for (const l of ['a2', 'a3', 'a4']) void h.request('a', l);
    for (const l of ['b1', 'b2']) void h.request('b', l);
    void h.request('c', 'c1');
    await flush();
    const order = ['a1', 'a2', 'b1', 'c1', 'a3', 'b2', 'a4'];
    for (const l of order.slice(0, -1)) await h.release(l);
    expect(h.granted).toEqual(order);
  });

  test('when a tenant may hold several slots, then it fills only those and the rest go round-robin', async () => {
    const h = harness(3, 2);
    for (let i = 1; i <= 4; i++) void h.request('a', `a${i}`);
    await flush();
    expect(h.granted).toEqual(['a1', 'a2']);
    void h.request('b', 'b1');
    void h.request('b', 'b2');
    await flush();
    expect(h.granted).toEqual(['a1', 'a2', 'b1']);
    await h.release('a1'); // a is next in turn (it waited first) and below its cap
    expect(h.granted).toEqual(['a1', 'a2', 'b1', 'a3']);
    await h.release('b1'); // b's turn
    expect(h.granted).toEqual(['a1', 'a2', 'b1', 'a3', 'b2']);
    await h.release('a2');
    expect(h.granted).toEqual(['a1', 'a2', 'b1', 'a3', 'b2', 'a4']);
  });

  test('when a tenant is at its cap, then a free slot goes to the next tenant in line instead', async () => {
    const h = harness(2, 1);
    void h.request('a', 'a1');
    void h.request('b', 'b1');
    await flush();
    void h.request('a', 'a2');
    void h.request('b', 'b2');
    await flush();
    await h.release('b1'); // a waits first, but holds a1: b2 gets the slot
    expect(h.granted).toEqual(['a1', 'b1', 'b2']);
  });

  test('when a waiter is aborted, then it leaves the line and the next one gets the slot', async () => {
    const h = harness(1, 1);
    void h.request('a', 'a1');
    await flush();
    const ac = new AbortController();
    const aborted = h.request('b', 'b1', ac.signal);
    void h.request('c', 'c1');
    ac.abort();
    await expect(aborted).rejects.toBeInstanceOf(SlotWaitAborted);
    await h.release('a1');
    expect(h.granted).toEqual(['a1', 'c1']);
    await h.release('c1');
    expect(h.sem.snapshot()).toEqual({});
  });

  test('when a release runs twice, then it frees one slot only', async () => {
    const h = harness(1, 1);
    const sem = h.sem;
    const r1 = await sem.acquire('a');
    void h.request('b', 'b1');
    void h.request('c', 'c1');
    r1();
    r1();
    await flush();
    expect(h.granted).toEqual(['b1']);
  });

  test('when the capacity is not positive, then it refuses to build', () => {
    expect(() => new FairSemaphore({ capacity: 0, perTenant: 1 })).toThrow(/capacity and perTenant must be ≥ 1/);
  });
});
