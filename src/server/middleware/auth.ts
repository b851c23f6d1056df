import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticate, Principal } from '../../jobs/api-keys';
import type { JobStore } from '../../jobs/store';
import { UnauthorizedError } from '../../errors/http';

/**
 * Requires an API key: `Authorization: Bearer gk_…` or `X-API-Key: gk_…`. Sets
 * res.locals.principal ({ keyId, tenant, role }). Unknown, malformed and revoked keys all give
 * the same 401.
 * @param unauthenticatedLimit counts a request without a valid key before its 401 (it answers 429
 *   itself once the client's address is over its limit).
 */
export function requireApiKey(store: JobStore, unauthenticatedLimit?: RequestHandler): RequestHandler {
  const refuse = (req: Request, res: Response, next: NextFunction, e: UnauthorizedError) => {
    if (!unauthenticatedLimit) { next(e); return; }
    void unauthenticatedLimit(req, res, (err?: unknown) => next(err ?? e));
  };
  return (req, res, next) => {
    const auth = req.get('authorization');
    const presented = auth?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.get('x-api-key');
    if (!presented) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="gauntlet"');
      refuse(req, res, next, new UnauthorizedError('an API key is required: send Authorization: Bearer <key> (create one with `gauntlet apikey create --tenant NAME`)'));
      return;
    }
    const p = authenticate(store, presented);
    if (!p) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="gauntlet", error="invalid_token"');
      refuse(req, res, next, new UnauthorizedError('the API key is not valid (unknown, malformed or revoked)'));
      return;
    }
    res.locals.principal = p;
    next();
  };
}

/** The authenticated caller of a request that passed requireApiKey. */
export function principalOf(locals: Record<string, unknown>): Principal {
  return locals.principal as Principal;
}
