import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../logging/logger';

/**
 * Gives each request an id (a sane incoming X-Request-Id is kept, else a new UUID; echoed in the
 * response), a child logger carrying it, and one access-log line when the response ends (method,
 * route, status, milliseconds, tenant — never headers, keys or bodies).
 */
export function requestContext(logger: Logger, onDone?: (route: string, method: string, status: number, seconds: number) => void): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const log = logger.child({ requestId });
    res.locals.logger = log;
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      onDone?.(route, req.method, res.statusCode, seconds);
      if (log.isLevelEnabled('http')) log.http('request', { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10, tenant: res.locals.principal?.tenant });
    });
    next();
  };
}
