/** The POST /pagos bodies the integration suites send, built one way. */
import { randomUUID } from 'node:crypto';

/** A Conekta test key nobody else uses: a new company in the sandbox, so suites never share data. */
export const newSecret = () => `key_test_${randomUUID().replaceAll('-', '')}`;

export const person = { first_name: 'andres', last_name: 'jaro', email: 'andres@example.com' };

type Extra = Record<string, unknown>;

/** Any action on one reference. */
export const action = (name: string, secret: string, reference: string, extra: Extra = {}) => ({
  provider: 'conekta',
  action: name,
  secret,
  reference_id: reference,
  ...extra,
});

/** `create`: a hosted payment link for 1,000 pesos unless `extra` says otherwise. */
export const link = (secret: string, reference: string, extra: Extra = {}) => ({
  ...action('create', secret, reference),
  amount: 1000,
  return_url: 'https://shop.example.com',
  ...person,
  ...extra,
});

/** `charge`: one card charge with `tokenId`, 1,000 pesos unless `extra` says otherwise. */
export const charge = (secret: string, reference: string, tokenId: string, extra: Extra = {}) => ({
  ...action('charge', secret, reference),
  amount: 1000,
  token_id: tokenId,
  ...person,
  ...extra,
});
