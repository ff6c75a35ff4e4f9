/**
 * The Conekta key for an operator CLI: from CONEKTA_SECRET, else the first line of stdin, never
 * the command line (npm echoes it, shells keep it in their history, `ps` shows it).
 */
import { createInterface } from 'node:readline';

/** Call first, before parsing options: a key on the command line is refused, whatever else is there. */
export function refuseSecretOnCommandLine(argv: readonly string[] = process.argv): void {
  if (argv.some((a) => a === '--secret' || a.startsWith('--secret=') || /\bkey_[A-Za-z0-9]/.test(a))) {
    console.error(
      'Do not put the Conekta key on the command line. Set CONEKTA_SECRET, or pipe it: ' +
        `printf '%s' "$KEY" | npm run <command>`,
    );
    process.exit(2);
  }
}

export async function readSecret(argv: readonly string[] = process.argv): Promise<string> {
  refuseSecretOnCommandLine(argv);
  const fromEnv = process.env.CONEKTA_SECRET?.trim();
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('Conekta private key (input is not shown in any log): ');
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line.trim();
  }
  return '';
}
