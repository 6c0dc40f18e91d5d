/**
 * The journal against what the API acknowledged: the check the fuzz run (fuzz.test.ts) makes
 * after Schemathesis has sent its requests. Every event in the journal must come from a request
 * that was acknowledged, and every acknowledged write must be in the journal:
 *
 * - a command route (airports, airplanes, rotations, legs) acknowledges with a 2xx carrying the
 *   feed `offset` and the aggregate's `version`: the journal's event at that offset belongs to
 *   that aggregate and has that sequence number, and an aggregate event at an offset no answer
 *   named was never acknowledged. (A command stores at most one event; one that stores none, an
 *   idempotent repeat, answers its aggregate's latest event.)
 * - the assignment saga acknowledges with its `assignmentId` (200, 202, or the problem of its
 *   failure): its own events (`assignment-<id>`), which must be there, and the events its steps
 *   append to the airplane and the rotation, which carry that assignmentId; a 200 names the offset
 *   of the last of those, which must be there too;
 * - an import acknowledges with 202 and its `importId`: its job record (`import-<id>`), which must
 *   be there, and the commands it applied, which the job's status counts (`commandsApplied`).
 *
 * The exchanges come from Schemathesis's HAR report; the events from the journal.
 */

/** One request and its answer, as recorded. `status` 0: no answer came. */
export interface Exchange {
  readonly method: string;
  /** The path's segments, percent-decoded as the server decodes its parameters. */
  readonly segments: readonly string[];
  readonly status: number;
  /** The response body parsed as JSON, undefined when it is not JSON. */
  readonly body: unknown;
}

export interface JournalEntry {
  readonly offset: number;
  readonly persistenceId: string;
  readonly seq: number;
  readonly type: string;
  readonly event: unknown;
}

/** What the recorded answers acknowledged. */
export interface Ledger {
  /** Feed offset → the command acknowledged there. */
  readonly commands: ReadonlyMap<number, { readonly persistenceId: string; readonly seq: number; readonly request: string }>;
  /** Assignment sagas answered 200, 202 or with the problem of their outcome. */
  readonly assignments: ReadonlySet<string>;
  /** Offsets that completed sagas answered (the highest of their aggregate events) → the request. */
  readonly sagaOffsets: ReadonlyMap<number, string>;
  readonly imports: ReadonlySet<string>;
  /** Acknowledgements the ledger cannot place (a new write route it does not know): each a problem. */
  readonly unknown: readonly string[];
}

const SUCCESS = (status: number) => status >= 200 && status < 300;

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

const text = (body: unknown, name: string): string | undefined => {
  const v = field(body, name);
  return typeof v === 'string' ? v : undefined;
};
const int = (body: unknown, name: string): number | undefined => {
  const v = field(body, name);
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
};

/** The aggregate a successful command request wrote to, from its route; undefined if it is no command route. */
function commandTarget(x: Exchange): string | undefined {
  const [api, kind, id, sub, subId] = x.segments;
  if (api !== 'api') return undefined;
  const n = x.segments.length;
  if (x.method === 'POST' && kind === 'airports' && n === 2) return `airport-${text(x.body, 'code')}`;
  if (x.method === 'PUT' && kind === 'airports' && n === 3) return `airport-${id}`;
  if (x.method === 'POST' && kind === 'airplanes' && n === 2) return `airplane-${text(x.body, 'id')}`;
  if (x.method === 'POST' && kind === 'rotations' && n === 2) return `rotation-${text(x.body, 'id')}`;
  if (x.method === 'POST' && kind === 'rotations' && n === 4 && sub === 'legs') return `rotation-${id}`;
  if (x.method === 'DELETE' && kind === 'rotations' && n === 5 && sub === 'legs' && subId !== undefined) return `rotation-${id}`;
  if (x.method === 'DELETE' && kind === 'rotations' && n === 3) return `rotation-${id}`;
  return undefined;
}

const isAssignment = (x: Exchange) =>
  x.method === 'PUT' && x.segments.length === 4 && x.segments[1] === 'airplanes' && x.segments[3] === 'rotation';
const isImport = (x: Exchange) => x.method === 'POST' && x.segments.length === 2 && x.segments[1] === 'imports';

export function ledger(exchanges: readonly Exchange[]): Ledger {
  const commands = new Map<number, { persistenceId: string; seq: number; request: string }>();
  const assignments = new Set<string>();
  const sagaOffsets = new Map<number, string>();
  const imports = new Set<string>();
  const unknown: string[] = [];
  for (const x of exchanges) {
    const request = `${x.method} /${x.segments.join('/')} → ${x.status}`;
    if (isAssignment(x)) {
      // 200 and 202 acknowledge the saga; a 4xx naming it is the outcome of a saga that ran (a
      // 503 names the id of one that never started, which then has no events to account for).
      const id = text(x.body, 'assignmentId');
      if (id !== undefined && x.status !== 0) assignments.add(id);
      const offset = int(x.body, 'offset');
      if (x.status === 200 && offset !== undefined && offset > 0) sagaOffsets.set(offset, request);
      continue;
    }
    if (!SUCCESS(x.status) || x.method === 'GET') continue;
    if (isImport(x)) {
      const id = text(x.body, 'importId');
      if (id === undefined) unknown.push(`${request}: an accepted import without an importId`);
      else imports.add(id);
      continue;
    }
    const offset = int(x.body, 'offset');
    const seq = int(x.body, 'version');
    const target = commandTarget(x);
    if (target === undefined || offset === undefined || seq === undefined) {
      unknown.push(`${request}: a successful write the ledger cannot place (offset ${offset}, version ${seq}, aggregate ${target})`);
      continue;
    }
    const earlier = commands.get(offset);
    // Two answers may name one offset: an idempotent repeat answers its aggregate's latest event.
    if (earlier !== undefined && (earlier.persistenceId !== target || earlier.seq !== seq))
      unknown.push(`${request}: offset ${offset} was acknowledged before for ${earlier.persistenceId}#${earlier.seq} (${earlier.request})`);
    else commands.set(offset, { persistenceId: target, seq, request });
  }
  return { commands, assignments, sagaOffsets, imports, unknown };
}

/**
 * The problems found comparing the journal with the ledger, none when they agree.
 * `importCommands`: the commands the acknowledged imports applied (their statuses' commandsApplied).
 */
export function reconcile(acks: Ledger, journal: readonly JournalEntry[], importCommands: number): string[] {
  const problems = [...acks.unknown];
  const byOffset = new Map(journal.map((e) => [e.offset, e]));
  for (const [offset, ack] of acks.commands) {
    const e = byOffset.get(offset);
    if (e === undefined) problems.push(`lost: ${ack.request} acknowledged offset ${offset}, which the journal does not hold`);
    else if (e.persistenceId !== ack.persistenceId || e.seq !== ack.seq)
      problems.push(
        `${ack.request} acknowledged ${ack.persistenceId}#${ack.seq} at offset ${offset}; the journal has ${e.persistenceId}#${e.seq} there`,
      );
  }
  for (const [offset, request] of acks.sagaOffsets)
    if (!byOffset.has(offset)) problems.push(`lost: ${request} acknowledged offset ${offset}, which the journal does not hold`);
  const ids = new Set(journal.map((e) => e.persistenceId));
  for (const id of acks.assignments)
    if (!ids.has(`assignment-${id}`)) problems.push(`lost: assignment ${id} was acknowledged; the journal has no event of it`);
  for (const id of acks.imports)
    if (!ids.has(`import-${id}`)) problems.push(`lost: import ${id} was accepted; the journal has no event of it`);
  let importBudget = importCommands;
  for (const e of journal) {
    if (e.persistenceId.startsWith('import-')) {
      if (!acks.imports.has(e.persistenceId.slice('import-'.length)))
        problems.push(
          `unacknowledged: ${e.type} of ${e.persistenceId} at offset ${e.offset}: no request was answered 202 with that importId`,
        );
      continue;
    }
    if (e.persistenceId.startsWith('assignment-')) {
      if (!acks.assignments.has(e.persistenceId.slice('assignment-'.length)))
        problems.push(
          `unacknowledged: ${e.type} of ${e.persistenceId} at offset ${e.offset}: no request was answered with that assignmentId`,
        );
      continue;
    }
    if (acks.commands.get(e.offset)?.persistenceId === e.persistenceId) continue;
    const saga = text(e.event, 'assignmentId');
    if (saga !== undefined && acks.assignments.has(saga)) continue;
    if (importBudget > 0) {
      importBudget--;
      continue;
    }
    problems.push(`unacknowledged: ${e.type} of ${e.persistenceId}#${e.seq} at offset ${e.offset}: no answer named it`);
  }
  return problems;
}

/** The exchanges of a HAR 1.2 log (Schemathesis's `--report har`). */
export function exchangesOfHar(har: unknown): Exchange[] {
  const entries = field(field(har, 'log'), 'entries');
  if (!Array.isArray(entries)) throw new Error('not a HAR log: no log.entries');
  return entries.map((entry: unknown) => {
    const request = field(entry, 'request');
    const response = field(entry, 'response');
    const url = new URL(String(field(request, 'url')));
    const segments = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
    const content = field(response, 'content');
    const raw = text(content, 'text');
    const encoded = text(content, 'encoding') === 'base64';
    let body: unknown;
    try {
      body = raw === undefined ? undefined : JSON.parse(encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw);
    } catch {
      body = undefined;
    }
    return { method: String(field(request, 'method')).toUpperCase(), segments, status: Number(field(response, 'status') ?? 0), body };
  });
}
