// The company behind a key and its API keys, as Conekta knows merchants. Bodies typed here
// (company_response, api_key_response): openapi.d.ts holds only what the service calls.
import type { ApiHandler } from './api.js';
import { paginate } from './paging.js';
import type { ApiKeyRecord } from './store.js';

export interface CompanyResponse {
  id: string;
  name: string;
  active: boolean;
  account_status: string;
  onboarding_status: string;
  documents: never[];
  created_at: number;
  object: 'company';
  three_ds_enabled: boolean;
}

export interface ApiKeyResponse {
  id: string;
  object: 'api_key';
  active: boolean;
  livemode: boolean;
  /** The key's first 6 characters (spec example `key_rp`): enough to recognise it, not to use it. */
  prefix: string;
  role: 'private';
  created_at: number;
  deactivated_at?: number;
}

export const getCurrentCompany: ApiHandler = ({ account }): CompanyResponse => ({
  id: account.company.id,
  name: account.company.name,
  active: true,
  account_status: 'activated',
  onboarding_status: 'completed',
  documents: [],
  created_at: account.company.createdAt,
  object: 'company',
  three_ds_enabled: false,
});

export const apiKeyResponse = (record: ApiKeyRecord): ApiKeyResponse => ({
  id: record.id,
  object: 'api_key',
  active: record.active,
  livemode: record.livemode,
  prefix: record.prefix,
  role: 'private',
  created_at: record.createdAt,
  ...(record.deactivatedAt === undefined ? {} : { deactivated_at: record.deactivatedAt }),
});

/** Every key of the company, both modes, newest first; `search` matches the id or the prefix. */
export const getApiKeys: ApiHandler = ({ sandbox, account, query }) => {
  const keys = [...account.company.keys].reverse().map(apiKeyResponse);
  const term = typeof query.search === 'string' ? query.search : undefined;
  const matching = term === undefined ? keys : keys.filter((k) => k.id === term || k.prefix === term);
  return paginate(
    matching,
    query,
    `${sandbox.publicUrl}/api_keys`,
    keys.map((k) => k.id),
  );
};
