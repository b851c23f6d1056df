/**
 * Which queued audit a runner starts next when several tenants wait: the tenant with the fewest
 * audits running goes first; among equals, the one whose last start is the oldest (round-robin);
 * then the oldest job. Tenants at their cap of running audits are skipped. Within a tenant, jobs
 * start in submission order (only each tenant's oldest queued job is a candidate).
 */

/** A tenant's oldest queued job. */
export interface QueueHead {
  id: string;
  tenant: string;
}

export interface FairPickState {
  /** Audits running now, per tenant. */
  running: ReadonlyMap<string, number>;
  /** A counter value of each tenant's last start (larger: more recent); absent: never started. */
  lastStart: ReadonlyMap<string, number>;
  /** Audits one tenant may run at once. */
  perTenant: number;
}

/**
 * The job to start next, or undefined when every waiting tenant is at its cap.
 * @param heads each tenant's oldest queued job, oldest first.
 */
export function pickFair<T extends QueueHead>(heads: readonly T[], s: FairPickState): T | undefined {
  let best: T | undefined;
  let bestKey: [number, number] | null = null;
  for (const h of heads) {
    const running = s.running.get(h.tenant) ?? 0;
    if (running >= s.perTenant) continue;
    const key: [number, number] = [running, s.lastStart.get(h.tenant) ?? -1];
    if (!bestKey || key[0] < bestKey[0] || (key[0] === bestKey[0] && key[1] < bestKey[1])) {
      best = h;
      bestKey = key;
    }
  }
  return best;
}
