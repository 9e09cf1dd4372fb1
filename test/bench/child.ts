import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TenantInfo } from './tenant-child';
import type { Profile } from '../../src-main/core/profile/schema';

export interface Child<T> {
  info: T;
  proc: ChildProcess;
}

/** Fork a TypeScript file under tsx (or a built .js file under plain node) and wait for its first IPC message. */
export function forkTs<T>(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Child<T>> {
  const built = file.endsWith('.js');
  const proc = fork(built ? file : fileURLToPath(new URL(file, import.meta.url)), args, {
    execArgv: [...(built ? [] : ['--import', 'tsx']), ...(process.env['BENCH_CPU_PROF'] && file.includes('sync-child') ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve({ info: m as T, proc }));
    proc.once('exit', (code) => reject(new Error(`${file} exited with ${code} before reporting`)));
    proc.once('error', reject);
  });
}

export function startTenantProcess(users: number, latency: { ms: number; jitterMs: number } = { ms: 0, jitterMs: 0 }): Promise<Child<TenantInfo>> {
  return forkTs<TenantInfo>('./tenant-child.ts', [String(users), String(latency.ms), String(latency.jitterMs)]);
}

/** Start a child that answers 'ready', send it `request`, and wait for its one report. */
export async function runChild<Req, Report>(file: string, request: Req, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Report> {
  const child = await forkTs<string>(file, [], opts);
  return new Promise<Report>((resolve, reject) => {
    child.proc.once('message', (m) => resolve(m as Report));
    child.proc.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    child.proc.send(request as object);
  });
}

/** Ask the tenant child for the Graph and download requests it has served. */
export function tenantLog(t: Child<TenantInfo>): Promise<{ requests: number; paths: string[] }> {
  return new Promise((resolve) => {
    t.proc.once('message', (m) => resolve(m as { requests: number; paths: string[] }));
    t.proc.send('log');
  });
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
