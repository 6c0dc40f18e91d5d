/**
 * The package as a user gets it: `npm pack` (which builds dist/ through prepack), the tarball
 * installed into a scratch project in a temporary directory, and two programs there that import
 * only `aloft` and its subpaths, never this repository's files:
 *
 * - a TypeScript program (with a worker boot module) compiled by this repository's tsc with
 *   --strict against the package's .d.ts files, then run by plain `node`;
 * - the same in plain JavaScript (ESM).
 *
 * Each does spawn, tell, a typed ask, a supervised crash and restart, an AloftNode whose worker
 * boots a module of the scratch project, and an event-sourced entity on the in-memory journal.
 * tsx is removed from the scratch project's node_modules first, so nothing can fall back on it
 * (before that, one more program checks that an application running under tsx can give its
 * workers a boot module written in TypeScript).
 *
 * The install uses the npm cache only when it holds everything (--offline), else the registry
 * for what is missing (--prefer-offline).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Packing runs tsc over the library and a cold npm cache sends the install to the registry: on a
// loaded two-core machine this file can outlast tap's default timeout (about 25 s here, idle).
t.setTimeout(300_000);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    // A clean NODE_OPTIONS: tap's loader hooks (and tsx with them) must not reach the scratch project.
    execFile(
      file,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const TS_BOOT = `import { stateless, type ActorRef, type ActorSystem } from 'aloft';

export type EchoMsg = { readonly _tag: 'Echo'; readonly text: string; readonly replyTo: ActorRef<string> };

export function setup(system: ActorSystem, data: unknown): void {
  const { greeting } = data as { greeting: string };
  system.spawn(stateless<EchoMsg>((m) => m.replyTo.tell(\`\${greeting} \${m.text} on thread \${system.thread}\`)), { name: 'echo' });
}
`;

const TS_MAIN = `import { ActorSystem, AloftNode, oneForOne, stateful, type ActorRef } from 'aloft';
import { eventSourced, memoryJournal, type CommandReply, type Decider } from 'aloft/persistence';
import type { EchoMsg } from './boot.js';

// The runtime's timers never hold a process open; this program waits on them (restart backoff).
const alive = setInterval(() => undefined, 60_000);
const system = new ActorSystem({ log: () => undefined });

// spawn, tell, typed ask
type CounterMsg = { readonly _tag: 'Add'; readonly n: number } | { readonly _tag: 'Get'; readonly replyTo: ActorRef<number> };
const counter = system.spawn(stateful<number, CounterMsg>({ initial: 0, receive: (n, m) => (m._tag === 'Add' ? n + m.n : (m.replyTo.tell(n), n)) }), { name: 'counter' });
counter.tell({ _tag: 'Add', n: 40 });
counter.tell({ _tag: 'Add', n: 2 });
const total: number = await counter.ask<number>((replyTo) => ({ _tag: 'Get', replyTo }), 5_000);
console.log(\`ask: \${total}\`);

// Never called: this compiles only if refs are typed by their messages (not any).
export function typeChecks(): void {
  // @ts-expect-error not a CounterMsg
  counter.tell({ _tag: 'Nope' });
  // @ts-expect-error the reply is a number
  void counter.ask<string>((replyTo) => ({ _tag: 'Get', replyTo }), 1);
}

// a supervised crash and restart
let starts = 0;
type FlakyMsg = { readonly _tag: 'Crash' } | { readonly _tag: 'Incarnation'; readonly replyTo: ActorRef<number> };
const flaky = () =>
  stateful<number, FlakyMsg>({
    initial: () => ++starts,
    receive(incarnation, m) {
      if (m._tag === 'Crash') throw new Error('asked to crash');
      m.replyTo.tell(incarnation);
      return incarnation;
    },
  });
system.spawn(stateful<null, never>({ initial: (ctx) => (ctx.spawn(flaky(), { name: 'flaky' }), null), receive: (s) => s }), {
  name: 'parent',
  supervisor: oneForOne({ maxRestarts: 3, withinMs: 10_000, backoff: { minMs: 10, maxMs: 100, factor: 2 } }),
});
const child = system.refAt<FlakyMsg>('parent/flaky');
const incarnation = () => child.ask<number>((replyTo) => ({ _tag: 'Incarnation', replyTo }), 5_000);
const before = await incarnation();
child.tell({ _tag: 'Crash' });
console.log(\`supervision: incarnation \${before}, restarted as \${await incarnation()}\`);

// a worker-thread node booting a module of this project
const node = await AloftNode.start({ workers: 1, boot: new URL('./boot.js', import.meta.url), bootData: { greeting: 'hello' } });
const echo = node.refAt<EchoMsg>(1, 'echo');
console.log(\`worker: \${await echo.ask<string>((replyTo) => ({ _tag: 'Echo', text: 'from main', replyTo }), 10_000)}\`);
await node.stop();

// an event-sourced entity on the in-memory journal
type Deposit = { readonly _tag: 'Deposit'; readonly amount: number };
type Deposited = { readonly _tag: 'Deposited'; readonly amount: number };
const decider: Decider<Deposit, Deposited, number, 'NotPositive'> = {
  initialState: () => 0,
  decide: (c) => (c.amount > 0 ? { _tag: 'Accepted', events: [{ _tag: 'Deposited', amount: c.amount }] } : { _tag: 'Rejected', error: 'NotPositive' }),
  evolve: (balance, e) => balance + e.amount,
};
const journal = await memoryJournal();
const spawnAccount = () => system.spawn(eventSourced({ persistenceId: 'account-1', store: journal, decider }), { name: 'account-1' });
let account = spawnAccount();
const deposit = (amount: number) => account.ask<CommandReply<Deposited, 'NotPositive'>>((replyTo) => ({ _tag: 'Command', command: { _tag: 'Deposit', amount }, replyTo }), 5_000);
const replies = [await deposit(5), await deposit(-1), await deposit(7)];
console.log(\`event-sourced: \${replies.map((r) => (r._tag === 'Accepted' ? \`Accepted@\${r.seq}\` : r._tag)).join(' ')}\`);
system.stop(account);
account = spawnAccount();
const { state, seq } = await account.ask<{ state: number; seq: number }>((replyTo) => ({ _tag: 'GetState', replyTo }), 5_000);
console.log(\`recovered: balance \${state} at seq \${seq}; the feed holds \${(await journal.read(1, 100)).length} events\`);

system.shutdown();
await journal.close();
clearInterval(alive);
console.log('done');
`;

const JS_BOOT = `import { stateless } from 'aloft';

export function setup(system, data) {
  system.spawn(stateless((m) => m.replyTo.tell(\`\${data.greeting} \${m.text} on thread \${system.thread}\`)), { name: 'echo' });
}
`;

const JS_MAIN = `import { ActorSystem, AloftNode, oneForOne, stateful } from 'aloft';
import { eventSourced, memoryJournal } from 'aloft/persistence';

const alive = setInterval(() => undefined, 60_000);
const system = new ActorSystem({ log: () => undefined });

const counter = system.spawn(stateful({ initial: 0, receive: (n, m) => (m._tag === 'Add' ? n + m.n : (m.replyTo.tell(n), n)) }));
counter.tell({ _tag: 'Add', n: 40 });
counter.tell({ _tag: 'Add', n: 2 });
console.log(\`ask: \${await counter.ask((replyTo) => ({ _tag: 'Get', replyTo }), 5_000)}\`);

let starts = 0;
const flaky = stateful({
  initial: () => ++starts,
  receive(incarnation, m) {
    if (m._tag === 'Crash') throw new Error('asked to crash');
    m.replyTo.tell(incarnation);
    return incarnation;
  },
});
system.spawn(stateful({ initial: (ctx) => (ctx.spawn(flaky, { name: 'flaky' }), null), receive: (s) => s }), {
  name: 'parent',
  supervisor: oneForOne({ maxRestarts: 3, withinMs: 10_000, backoff: { minMs: 10, maxMs: 100, factor: 2 } }),
});
const child = system.refAt('parent/flaky');
const incarnation = () => child.ask((replyTo) => ({ _tag: 'Incarnation', replyTo }), 5_000);
const before = await incarnation();
child.tell({ _tag: 'Crash' });
console.log(\`supervision: incarnation \${before}, restarted as \${await incarnation()}\`);

const node = await AloftNode.start({ workers: 1, boot: new URL('./boot.mjs', import.meta.url), bootData: { greeting: 'hello' } });
console.log(\`worker: \${await node.refAt(1, 'echo').ask((replyTo) => ({ _tag: 'Echo', text: 'from main', replyTo }), 10_000)}\`);
await node.stop();

const decider = {
  initialState: () => 0,
  decide: (c) => (c.amount > 0 ? { _tag: 'Accepted', events: [{ _tag: 'Deposited', amount: c.amount }] } : { _tag: 'Rejected', error: 'NotPositive' }),
  evolve: (balance, e) => balance + e.amount,
};
const journal = await memoryJournal();
const spawnAccount = () => system.spawn(eventSourced({ persistenceId: 'account-1', store: journal, decider }), { name: 'account-1' });
let account = spawnAccount();
const deposit = (amount) => account.ask((replyTo) => ({ _tag: 'Command', command: { _tag: 'Deposit', amount }, replyTo }), 5_000);
const replies = [await deposit(5), await deposit(-1), await deposit(7)];
console.log(\`event-sourced: \${replies.map((r) => (r._tag === 'Accepted' ? \`Accepted@\${r.seq}\` : r._tag)).join(' ')}\`);
system.stop(account);
account = spawnAccount();
const { state, seq } = await account.ask((replyTo) => ({ _tag: 'GetState', replyTo }), 5_000);
console.log(\`recovered: balance \${state} at seq \${seq}; the feed holds \${(await journal.read(1, 100)).length} events\`);

system.shutdown();
await journal.close();
clearInterval(alive);
console.log('done');
`;

/** An application run under tsx with the compiled package and a worker boot module in TypeScript. */
const UNDER_TSX = `import { AloftNode } from 'aloft';
import type { EchoMsg } from './src/boot.ts';

const node = await AloftNode.start({ workers: 1, boot: new URL('./src/boot.ts', import.meta.url), bootData: { greeting: 'hi' } });
console.log(\`tsx: \${await node.refAt<EchoMsg>(1, 'echo').ask<string>((replyTo) => ({ _tag: 'Echo', text: 'from a .ts boot module', replyTo }), 10_000)}\`);
await node.stop();
`;

const EXPECTED = [
  'ask: 42',
  'supervision: incarnation 1, restarted as 2',
  'worker: hello from main on thread 1',
  'event-sourced: Accepted@1 Rejected Accepted@2',
  'recovered: balance 12 at seq 2; the feed holds 2 events',
  'done',
];

/** Every relative import in the built JavaScript names a .js file (none of the .ts sources). */
function tsImports(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const file = path.join(entry.parentPath, entry.name);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g))
      if (!m[1]?.endsWith('.js')) found.push(`${file}: ${m[1]}`);
  }
  return found;
}

t.test('the packed tarball works from TypeScript and JavaScript without tsx', async (t) => {
  const started = Date.now();
  const base = mkdtempSync(path.join(os.tmpdir(), 'aloft-pack-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const packDir = path.join(base, 'pack');
  const scratch = path.join(base, 'scratch');
  mkdirSync(packDir);
  mkdirSync(path.join(scratch, 'src'), { recursive: true });

  const pack = await run(npm, ['pack', '--pack-destination', packDir], root);
  t.equal(pack.code, 0, 'npm pack (with the build in prepack) succeeds', { stdout: pack.stdout, stderr: pack.stderr });
  const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) return t.fail('npm pack wrote no tarball');
  t.comment(`packed ${tarball} in ${Date.now() - started} ms`);

  writeFileSync(
    path.join(scratch, 'package.json'),
    JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  const atTypesNode = (
    JSON.parse(readFileSync(path.join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }
  ).version;
  const install = (mode: string) =>
    run(npm, ['install', path.join(packDir, tarball), `@types/node@${atTypesNode}`, '--no-audit', '--no-fund', mode], scratch);
  let installed = await install('--offline');
  if (installed.code !== 0) {
    t.comment('the npm cache lacks part of the dependencies: installing with --prefer-offline');
    installed = await install('--prefer-offline');
  }
  t.equal(installed.code, 0, 'the tarball installs into a fresh project', { stdout: installed.stdout, stderr: installed.stderr });
  t.comment(`installed in ${Date.now() - started} ms`);
  const pkg = path.join(scratch, 'node_modules', 'aloft');
  t.ok(existsSync(path.join(pkg, 'dist', 'lib', 'index.d.ts')), 'the package carries declaration files');
  t.notOk(existsSync(path.join(pkg, 'src')), 'and no TypeScript sources');
  t.same(tsImports(path.join(pkg, 'dist')), [], 'the built JavaScript imports no .ts file');
  writeFileSync(path.join(scratch, 'src', 'boot.ts'), TS_BOOT);
  writeFileSync(path.join(scratch, 'src', 'main.ts'), TS_MAIN);

  // An application under tsx (a dependency of the package) whose workers boot a .ts module: the
  // compiled package registers tsx in the worker for it.
  writeFileSync(path.join(scratch, 'under-tsx.ts'), UNDER_TSX);
  const underTsx = await run(process.execPath, ['--import', 'tsx', 'under-tsx.ts'], scratch, 60_000);
  t.equal(underTsx.code, 0, 'under tsx, a worker boots a .ts module', { stdout: underTsx.stdout, stderr: underTsx.stderr });
  t.equal(underTsx.stdout.trim(), 'tsx: hi from a .ts boot module on thread 1');

  // From here on there is no tsx to fall back on.
  rmSync(path.join(scratch, 'node_modules', 'tsx'), { recursive: true, force: true });

  // TypeScript, checked strictly against the package's declarations, run as JavaScript.
  writeFileSync(
    path.join(scratch, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: 'dist',
          rootDir: 'src',
          types: ['node'],
          skipLibCheck: true,
        },
        include: ['src'],
      },
      null,
      2,
    ),
  );
  const compiled = await run(process.execPath, [tsc, '-p', scratch, '--strict'], scratch);
  t.equal(compiled.code, 0, 'the TypeScript program compiles with --strict', { stdout: compiled.stdout, stderr: compiled.stderr });
  const ts = await run(process.execPath, ['dist/main.js'], scratch, 60_000);
  t.equal(ts.code, 0, 'the compiled program exits 0', { stdout: ts.stdout, stderr: ts.stderr });
  t.same(ts.stdout.trim().split('\n'), EXPECTED, 'the compiled program prints what it should');

  // Plain JavaScript.
  writeFileSync(path.join(scratch, 'boot.mjs'), JS_BOOT);
  writeFileSync(path.join(scratch, 'main.mjs'), JS_MAIN);
  const js = await run(process.execPath, ['main.mjs'], scratch, 60_000);
  t.equal(js.code, 0, 'the JavaScript program exits 0', { stdout: js.stdout, stderr: js.stderr });
  t.same(js.stdout.trim().split('\n'), EXPECTED, 'the JavaScript program prints what it should');
  t.comment(`done in ${Date.now() - started} ms`);
});
