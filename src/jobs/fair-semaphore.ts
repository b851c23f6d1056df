/**
 * A counting semaphore shared fairly between tenants: at most `capacity` holders in all and at
 * most `perTenant` per tenant, so one tenant can never hold every slot. Tenants waiting for a slot
 * are served round-robin (each grant moves its tenant to the back of the line); a tenant's own
 * requests are served in arrival order. A waiter whose signal aborts leaves the line at once.
 *
 * Round-robin over tenants is deficit round robin with a quantum of one slot: every tenant that
 * waits gets the next free slot in turn, however many requests it has queued.
 */
import { GauntletError } from '../errors';

/** A wait for a slot ended because its signal was aborted. */
export class SlotWaitAborted extends GauntletError {
  constructor() {
    super('stopped waiting for a slot: the request was abandoned', 'aborted', 499);
  }
}

interface Waiter {
  grant: (release: () => void) => void;
}

/** Holders and waiters of one tenant. */
interface TenantLine {
  held: number;
  waiting: Waiter[];
}

export interface FairSemaphoreOptions {
  /** Slots in all (≥ 1). */
  capacity: number;
  /** Slots one tenant may hold at once (≥ 1; capped at `capacity`). */
  perTenant: number;
}

/** Fair slots across tenants; see the module comment. */
export class FairSemaphore {
  private active = 0;
  private readonly tenants = new Map<string, TenantLine>();
  /** Tenants with waiters, in the order they are served next. */
  private readonly turn: string[] = [];
  readonly capacity: number;
  readonly perTenant: number;

  constructor(o: FairSemaphoreOptions) {
    if (!(o.capacity >= 1 && o.perTenant >= 1)) throw new RangeError(`FairSemaphore: capacity and perTenant must be ≥ 1 (got ${o.capacity}, ${o.perTenant})`);
    this.capacity = o.capacity;
    this.perTenant = Math.min(o.perTenant, o.capacity);
  }

  /**
   * Waits for a slot for `tenant`; resolves to its release function (idempotent).
   * @throws SlotWaitAborted when `signal` aborts before the slot is granted.
   */
  acquire(tenant: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new SlotWaitAborted());
    const line = this.line(tenant);
    if (line.waiting.length === 0 && this.active < this.capacity && line.held < this.perTenant) {
      return Promise.resolve(this.take(tenant, line));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = line.waiting.indexOf(w);
        if (i < 0) return;
        line.waiting.splice(i, 1);
        if (line.waiting.length === 0) this.leaveTurn(tenant);
        this.forget(tenant, line);
        reject(new SlotWaitAborted());
      };
      const w: Waiter = {
        grant: (release) => { signal?.removeEventListener('abort', onAbort); resolve(release); },
      };
      line.waiting.push(w);
      if (!this.turn.includes(tenant)) this.turn.push(tenant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Slots held and requests waiting, per tenant (tenants with neither are omitted). */
  snapshot(): Record<string, { held: number; waiting: number }> {
    const out: Record<string, { held: number; waiting: number }> = {};
    for (const [t, l] of this.tenants) out[t] = { held: l.held, waiting: l.waiting.length };
    return out;
  }

  private line(tenant: string): TenantLine {
    let l = this.tenants.get(tenant);
    if (!l) this.tenants.set(tenant, l = { held: 0, waiting: [] });
    return l;
  }

  private take(tenant: string, line: TenantLine): () => void {
    this.active++;
    line.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      line.held--;
      this.forget(tenant, line);
      this.dispatch();
    };
  }

  /** Grants free slots to waiting tenants, round-robin, skipping tenants at their cap. */
  private dispatch(): void {
    while (this.active < this.capacity) {
      const i = this.turn.findIndex((t) => this.tenants.get(t)!.held < this.perTenant);
      if (i < 0) return;
      const tenant = this.turn[i];
      const line = this.tenants.get(tenant)!;
      const w = line.waiting.shift()!;
      this.turn.splice(i, 1);
      if (line.waiting.length > 0) this.turn.push(tenant);
      w.grant(this.take(tenant, line));
    }
  }

  private leaveTurn(tenant: string): void {
    const i = this.turn.indexOf(tenant);
    if (i >= 0) this.turn.splice(i, 1);
  }

  private forget(tenant: string, line: TenantLine): void {
    if (line.held === 0 && line.waiting.length === 0) this.tenants.delete(tenant);
  }
}
