/**
 * A request with exactly the header lines given, repeats included: fetch folds a repeated header
 * into one `a, b` line, which is not what a client sending the header twice puts on the wire.
 */
import { request } from 'node:http';

export type RawAnswer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
};

export function sendRaw(
  url: string,
  method: string,
  headerLines: Array<[string, string]>,
  body: string | Buffer = '',
): Promise<RawAnswer> {
  const target = new URL(url);
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  // node takes repeated headers as one flat name, value, name, value... list.
  const lines = [...headerLines, ['host', target.host], ['content-length', String(payload.length)]].flat();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: `${target.pathname}${target.search}`,
        headers: lines,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
