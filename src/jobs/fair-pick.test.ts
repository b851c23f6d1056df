import { pickFair, QueueHead } from './fair-pick';

/** Simulates a runner of `slots` audits that finish in start order; returns the start order. */
function simulate(queue: QueueHead[], slots: number, perTenant: number): string[] {
  const queued = [...queue];
  const running: QueueHead[] = [];
  const count = new Map<string, number>();
  const lastStart = new Map<string, number>();
  const order: string[] = [];
  let clock = 0;
  while (queued.length || running.length) {
    while (running.length < slots) {
      const oldest = queued.filter((j, i) => queued.findIndex((k) => k.tenant === j.tenant) === i);
      const next = pickFair(oldest, { running: count, lastStart, perTenant });
      if (!next) break;
      queued.splice(queued.indexOf(next), 1);
      running.push(next);
      count.set(next.tenant, (count.get(next.tenant) ?? 0) + 1);
      lastStart.set(next.tenant, clock++);
      order.push(next.id);
    }
    const done = running.shift();
    if (done) count.set(done.tenant, count.get(done.tenant)! - 1);
  }
  return order;
}

const job = (id: string) => ({ id, tenant: id[0] });

describe('pickFair', () => {
  test('when one tenant queued many audits before another, then their starts alternate', () => {
    const q = ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'c1'].map(job);
    // FIFO would be a1 a2 a3 a4 b1 b2 c1
    expect(simulate(q, 1, 1)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
  });

  test('when a tenant is at its cap, then a free slot goes to another tenant, and stays free if none waits', () => {
    const running = new Map([['a', 1]]);
    expect(pickFair([job('a2'), job('b1')], { running, lastStart: new Map(), perTenant: 1 })?.id).toBe('b1');
    expect(pickFair([job('a2')], { running, lastStart: new Map(), perTenant: 1 })).toBeUndefined();
  });

  test('when tenants run different numbers of audits, then the one running fewer starts next', () => {
    const running = new Map([['a', 1], ['b', 2]]);
    const lastStart = new Map([['a', 5], ['b', 1]]);
    expect(pickFair([job('b3'), job('a2')], { running, lastStart, perTenant: 4 })?.id).toBe('a2');
  });

  test('when several slots exist, then no tenant takes more than its cap', () => {
    const q = ['a1', 'a2', 'a3', 'b1'].map(job);
    expect(simulate(q, 3, 2)).toEqual(['a1', 'b1', 'a2', 'a3']);
  });
});
