/** GET /v1/keys: the public key(s) the service signs reports with, as a JWK set. */
import { Router } from 'express';
import type { KeyObject } from 'node:crypto';
import { publicKeyJwks } from '../../report/sign/keys';

export function keyRoutes(signingKey: () => KeyObject): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.type('application/jwk-set+json').send(JSON.stringify(publicKeyJwks(signingKey())));
  });
  return r;
}
