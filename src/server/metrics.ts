/**
 * Prometheus metrics (prom-client): process and event-loop metrics, request counts and latency by
 * route, and jobs by state (read from the store at scrape time).
 */
import client from 'prom-client';
import type { JobStore } from '../jobs/store';
import { JOB_STATES } from '../jobs/spec';

export interface Metrics {
  registry: client.Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

/** A fresh registry (one per app, so tests can build several apps). */
export function createMetrics(store: JobStore, activeJobs: () => number): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'gauntlet_' });
  const requests = new client.Counter({ name: 'gauntlet_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new client.Histogram({
    name: 'gauntlet_http_request_duration_seconds', help: 'HTTP request latency by route and method', labelNames: ['route', 'method'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry],
  });
  new client.Gauge({
    name: 'gauntlet_jobs', help: 'Audit jobs by state', labelNames: ['state'], registers: [registry],
    collect() {
      const counts = store.countByState();
      for (const s of JOB_STATES) this.set({ state: s }, counts[s] ?? 0);
    },
  });
  new client.Gauge({ name: 'gauntlet_job_processes', help: 'Audit processes running on this node', registers: [registry], collect() { this.set(activeJobs()); } });
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route, method }, seconds);
    },
  };
}
