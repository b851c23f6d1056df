/** GET /v1/keys: the public key(s) the service signs reports with, as a JWK set. */
import { Router } from 'express';
import type { KeyObject } from 'node:crypto';
import { publicKeyJwks } from '../../report/sign/keys';
import { PathItems, ref } from '../openapi-parts';

export function keyRoutes(signingKey: () => KeyObject): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.type('application/jwk-set+json').send(JSON.stringify(publicKeyJwks(signingKey())));
  });
  return r;
}

/** The OpenAPI path of this route (assembled by ../openapi.ts). */
export const KEY_PATHS: PathItems = {
  '/v1/keys': { get: { summary: 'Public signing keys (JWK set)', responses: { 200: { description: 'JWK set', content: { 'application/jwk-set+json': { schema: ref('Jwks') } } } } } },
};
