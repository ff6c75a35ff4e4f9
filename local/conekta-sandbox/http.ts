// Small HTTP helpers over node:http: bodies, auth and Accept parsing, and writing answers.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`Request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const KEY_PATTERN = /^key_[A-Za-z0-9_]+$/;

export const AuthResult = { missing: 'missing', malformed: 'malformed' } as const;

/**
 * Conekta auth: `Bearer key_…`, or Basic with the key as user name and an empty password
 * (legacy SDKs and curl -u key:). Returns the key, or why there is none.
 */
export function parseApiKey(
  header: string | undefined,
): { key: string } | { problem: keyof typeof AuthResult } {
  if (!header?.trim()) return { problem: AuthResult.missing };
  const [scheme = '', credentials = ''] = header.trim().split(/\s+/, 2);
  let key: string | undefined;
  if (scheme.toLowerCase() === 'bearer') key = credentials;
  else if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  }
  return key && KEY_PATTERN.test(key) ? { key } : { problem: AuthResult.malformed };
}

const ACCEPT_PATTERN = /^application\/vnd\.conekta-v2\.(\d+)\.0\+json$/i;

/** The 2.x versions Conekta has published (docs/conekta-api.md §2.2); all are answered with 2.3.0 behaviour. */
export const SERVED_MINOR_VERSIONS = [0, 1, 2, 3] as const;

/** The API minor version from `Accept: application/vnd.conekta-v2.<n>.0+json`, if any entry matches. */
export function acceptedVersion(header: string | undefined): number | undefined {
  for (const entry of (header ?? '').split(',')) {
    const match = ACCEPT_PATTERN.exec(entry.split(';')[0]?.trim() ?? '');
    const minor = Number(match?.[1]);
    if (match && (SERVED_MINOR_VERSIONS as readonly number[]).includes(minor)) return minor;
  }
  return undefined;
}

export const CONEKTA_CONTENT_TYPE = 'application/vnd.conekta-v2.3.0+json; charset=utf-8';

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json; charset=utf-8',
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  response.end(html);
}

export function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { location, 'content-length': 0 });
  response.end();
}

/** Route params from a template like `/orders/{id}/cancel`; undefined when it does not match. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}/?$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
}
