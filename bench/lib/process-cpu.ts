import { readFile } from 'node:fs/promises';

/**
 * A process's CPU time so far (user + system) in ms, from /proc/<pid>/stat in USER_HZ ticks (100
 * per second on Linux): coarse (10 ms), so only read around runs of a second or more. Undefined
 * where there is no /proc.
 */
export async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
