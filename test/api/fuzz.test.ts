/**
 * The HTTP API fuzzed from its own document: Schemathesis (pinned in ops/fuzz, installed by
 * ops/fuzz/install.sh) reads GET /api/openapi.json of a live node and sends every operation a
 * bounded number of generated requests (valid and invalid, then sequences of calls that pass
 * ids between operations), with a fixed seed. It must find no 5xx, no answer outside its
 * schema, no undocumented status code or content type, no method a path does not serve answered
 * otherwise than 405 with `Allow`, and no request left without an answer. Then the journal must
 * hold exactly what was acknowledged (ledger.ts).
 *
 * Runs where `st` is found: $ALOFT_SCHEMATHESIS, else the virtualenv install.sh makes. Locally
 * it skips without one; in CI (CI=true, where .ci/run installs it) a missing one fails.
 * ALOFT_FUZZ_EXAMPLES (default 50) and ALOFT_FUZZ_SEED (default 19) change the run.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startService, type Service } from '../../src/service/service.ts';
import { exchangesOfHar, ledger, reconcile, type Exchange, type JournalEntry } from './ledger.ts';

const root = path.resolve(import.meta.dirname, '../..');
const INSTALL_HINT = 'install it with `eval "$(ops/fuzz/install.sh)"` (a virtualenv under ~/.cache, about 30 s)';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'unsupported_method',
  'allow_header_conformance',
];
const EXAMPLES = Number(process.env.ALOFT_FUZZ_EXAMPLES ?? '50');
const SEED = Number(process.env.ALOFT_FUZZ_SEED ?? '19');

function schemathesis(): string | undefined {
  const given = process.env.ALOFT_SCHEMATHESIS?.trim();
  if (given) return given;
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  const venv = process.env.ALOFT_FUZZ_VENV ?? path.join(cache, 'aloft-fuzz-venv');
  const st = path.join(venv, 'bin', 'st');
  return existsSync(st) ? st : undefined;
}

/** Runs a command without blocking this process's event loop (the node under test lives in it). */
function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // cwd: Schemathesis keeps a .schemathesis folder where it runs. COLUMNS: its report wraps at the terminal's width.
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', COLUMNS: '160' } });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/** The part of Schemathesis's output worth reading on a failure: from its failures and errors on. */
function summary(output: string): string {
  const at = output.search(/^=+ (ERRORS|FAILURES) =+$/m);
  const tail = at >= 0 ? output.slice(at) : output;
  return tail.length > 12_000 ? `${tail.slice(0, 6_000)}\n[…]\n${tail.slice(-6_000)}` : tail;
}

async function getJson(port: number, url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** Waits until every acknowledged saga and import has finished (their later events are theirs too);
 * returns the commands the imports applied. */
async function settle(port: number, acks: ReturnType<typeof ledger>): Promise<{ importCommands: number; unsettled: string[] }> {
  const deadline = Date.now() + 60_000;
  const unsettled: string[] = [];
  let importCommands = 0;
  const poll = async (url: string, done: (body: Record<string, unknown>) => boolean) => {
    for (;;) {
      const r = await getJson(port, url);
      const body = (r.body ?? {}) as Record<string, unknown>;
      if (r.status === 200 && done(body)) return body;
      if (Date.now() > deadline) {
        unsettled.push(`${url}: ${r.status} ${JSON.stringify(r.body)}`);
        return body;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  for (const id of acks.assignments) await poll(`/api/assignments/${encodeURIComponent(id)}`, (b) => b.state === 'completed');
  for (const id of acks.imports) {
    const b = await poll(`/api/imports/${encodeURIComponent(id)}`, (s) => ['done', 'rejected', 'failed'].includes(String(s.state)));
    importCommands += typeof b.commandsApplied === 'number' ? b.commandsApplied : 0;
  }
  return { importCommands, unsettled };
}

async function readJournal(service: Service): Promise<JournalEntry[]> {
  const events: JournalEntry[] = [];
  for (let from = 1; ; ) {
    const batch = await service.journal.read(from, 5_000);
    if (batch.length === 0) return events;
    for (const e of batch) events.push({ offset: e.offset, persistenceId: e.persistenceId, seq: e.seq, type: e.type, event: e.event });
    from = (batch[batch.length - 1] as JournalEntry).offset + 1;
  }
}

const st = schemathesis();
if (st === undefined) {
  if (process.env.CI)
    t.fail(`Schemathesis is not installed (ALOFT_SCHEMATHESIS is not set), and in CI the fuzz run must happen: ${INSTALL_HINT}`);
  else t.plan(0, `Schemathesis not found: ${INSTALL_HINT}`);
} else {
  // Schemathesis takes 25-30 s here (two cores) at 50 examples per operation; the margin is for a busy machine.
  t.setTimeout(300_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-fuzz-'));
  let service: Service;
  t.before(async () => {
    service = await startService(
      { host: '127.0.0.1', port: 0, data: path.join(dir, 'data'), workers: 1, demoSeason: false, durability: 'commit' },
      () => undefined,
    );
  });
  t.teardown(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  t.test('Schemathesis finds nothing, and the journal holds only what was acknowledged', async (t) => {
    const har = path.join(dir, 'requests.har.json');
    const args = [
      '--config-file',
      path.join(root, 'ops/fuzz/schemathesis.toml'),
      'run',
      `http://127.0.0.1:${service.port}/api/openapi.json`,
      '--checks',
      CHECKS.join(','),
      '--max-examples',
      String(EXAMPLES),
      '--seed',
      String(SEED),
      // One worker: the node shares two cores with this process, and requests in one order keep
      // a seed's run close to the same from one time to the next (the ids the node makes differ).
      '--workers',
      '1',
      '--generation-database',
      'none',
      '--request-timeout',
      '20',
      '--report',
      'har',
      '--report-har-path',
      har,
      '--no-color',
    ];
    const started = performance.now();
    const result = await run(st, args, dir, 270_000);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    t.equal(result.code, 0, `schemathesis exited 0 (${seconds} s, seed ${SEED}, ${EXAMPLES} examples per operation)`, {
      diagnostic: result.code !== 0,
      output: summary(result.output),
    });
    t.match(result.output, /Selected: (\d+)\/\1\b/, 'every operation of the document was selected');

    const exchanges: Exchange[] = exchangesOfHar(JSON.parse(readFileSync(har, 'utf8')));
    t.ok(exchanges.length > 100, `the report recorded the requests (${exchanges.length})`);
    const unanswered = exchanges.filter((x) => x.status === 0).map((x) => `${x.method} /${x.segments.join('/')}`);
    t.same(unanswered, [], 'every request got an answer');
    const fiveHundreds = exchanges.filter((x) => x.status >= 500).map((x) => `${x.method} /${x.segments.join('/')} → ${x.status}`);
    t.same(fiveHundreds, [], 'no answer was a 5xx');

    const acks = ledger(exchanges);
    t.ok(acks.commands.size > 0, `some commands were acknowledged (${acks.commands.size})`);
    const { importCommands, unsettled } = await settle(service.port, acks);
    t.same(unsettled, [], 'every acknowledged saga and import finished');
    const journal = await readJournal(service);
    t.same(reconcile(acks, journal, importCommands), [], `the journal's ${journal.length} events are the acknowledged writes`);
    const health = await getJson(service.port, '/healthz');
    t.equal(health.status, 200, 'the node is still serving');
  });
}
