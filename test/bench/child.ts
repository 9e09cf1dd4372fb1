import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TenantInfo } from './tenant-child';
import type { Profile } from '../../src-main/core/profile/schema';

export interface Child<T> {
  info: T;
  proc: ChildProcess;
}

/** Fork a TypeScript file under tsx and wait for its first IPC message. */
export function forkTs<T>(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Child<T>> {
  const proc = fork(fileURLToPath(new URL(file, import.meta.url)), args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ info: m as T, proc }));
    proc.once('exit', (code) => reject(new Error(`${file} exited with ${code} before reporting`)));
    proc.once('error', reject);
  });
}

export function startTenantProcess(users: number): Promise<Child<TenantInfo>> {
  return forkTs<TenantInfo>('./tenant-child.ts', [String(users)]);
}

export async function stopChild(c: Child<unknown>): Promise<void> {
  if (c.proc.exitCode !== null) return;
  const exited = new Promise((r) => c.proc.once('exit', r));
  c.proc.send('close');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (c.proc.exitCode === null) c.proc.kill();
}

export function benchProfile(t: TenantInfo): Profile {
  return {
    name: 'bench',
    tenantId: t.tenantId,
    clientId: t.clientId,
    cloud: 'custom',
    customEndpoints: { loginUrl: t.loginUrl, graphUrl: t.graphUrl },
    credential: { kind: 'secret', secretEnv: 'M365LR_CLIENT_SECRET' },
  };
}
