/**
 * The route table: every endpoint group of the service, with where it is mounted, the
 * authentication it needs, its router factory and its OpenAPI paths. ../app.ts mounts the groups
 * from it and ../openapi.ts assembles the document's paths from it, so adding a group is its route
 * file, its test and one line here.
 */
import type { Router } from 'express';
import type { AppDeps } from '../deps';
import type { PathItems } from '../openapi-parts';
import { AUDIT_PATHS, auditRoutes } from './audits';
import { KEY_PATHS, keyRoutes } from './keys';
import { OPS_PATHS, opsRoutes } from './ops';
import { VERIFY_PATHS, verifyRoutes } from './verify';

/**
 * What a group requires of a request before its routes see it.
 * - `none`: nothing, not even a rate limit (the operator probes, which orchestrators poll);
 * - `anonymous`: the per-address rate limit, no key;
 * - `apiKey`: a valid API key (else the per-address limit, then 401), then the per-key rate limit.
 */
export type RouteAuth = 'none' | 'anonymous' | 'apiKey';

/** One endpoint group. */
export interface RouteGroup {
  /** Where the router is mounted (`/`: at the root, its routes name their full paths). */
  mount: string;
  auth: RouteAuth;
  /** Builds the group's router; it picks what it needs from the app's dependencies. */
  routes: (deps: AppDeps) => Router;
  /** The group's operations for the OpenAPI document. */
  paths: PathItems;
}

/**
 * Every endpoint group, in the OpenAPI document's order. The app mounts them by `auth`, the
 * open ones first (`none`, then /openapi.json, then `anonymous`, then `apiKey`), each in this order.
 */
export const ROUTES: readonly RouteGroup[] = [
  { mount: '/v1/audits', auth: 'apiKey', routes: auditRoutes, paths: AUDIT_PATHS },
  { mount: '/v1/keys', auth: 'anonymous', routes: keyRoutes, paths: KEY_PATHS },
  { mount: '/v1/verify', auth: 'apiKey', routes: verifyRoutes, paths: VERIFY_PATHS },
  { mount: '/', auth: 'none', routes: opsRoutes, paths: OPS_PATHS },
];
