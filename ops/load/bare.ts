/**
 * The same-run baseline for the write workload: a bare uWebSockets.js server (the library the
 * node's HTTP layer is built on) answering the write workload's requests with no work behind
 * them. It reads and parses each JSON body, as any JSON API must, and answers the small JSON
 * 201/200 the node would (an id, an offset, a version). Whatever rate the closed loop reaches
 * against it is the ceiling HTTP itself sets on this machine, with this client, at this moment,
 * which is what Aloft's rate is divided by.
 *
 * Run as a child process (`node --import tsx ops/load/bare.ts [--port P]`): it prints its URL
 * like the node does and exits on SIGTERM. One thread, like the node's HTTP thread.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import uws from '@trufflesuite/uws-js-unofficial';
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';

function readBody(res: uws.HttpResponse, done: (body: Record<string, unknown>) => void): void {
  const state = { aborted: false };
  res.onAborted(() => {
    state.aborted = true;
  });
  const chunks: Buffer[] = [];
  res.onData((chunk, isLast) => {
    // uWS reuses `chunk` after this callback: copy.
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    let body: Record<string, unknown> = {};
    try {
      const text = Buffer.concat(chunks).toString();
      if (text.length > 0) body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    if (!state.aborted) done(body);
  });
}

function reply(res: uws.HttpResponse, status: '200 OK' | '201 Created', body: Record<string, unknown>): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json').end(JSON.stringify(body));
  });
}

/** `seen`, for tests: called with each command's route pattern and parsed body. */
export function bareApp(seen?: (route: string, body: Record<string, unknown>) => void): uws.TemplatedApp {
  let offset = 0;
  const readJson = (res: uws.HttpResponse, route: string, done: (body: Record<string, unknown>) => void) =>
    readBody(res, (body) => {
      seen?.(route, body);
      done(body);
    });
  return uws
    .App()
    .get('/readyz', (res) => {
      reply(res, '200 OK', { status: 'ready' });
    })
    .post('/api/rotations', (res) => {
      readJson(res, 'POST /api/rotations', (b) => reply(res, '201 Created', { id: b.name, offset: ++offset, version: 1 }));
    })
    .post('/api/rotations/:id/legs', (res) => {
      readJson(res, 'POST /api/rotations/:id/legs', (b) =>
        reply(res, '201 Created', {
          legId: `${String(b.carrier)}${String(b.flightNumber)}-${String(b.dateOfOrigin)}-${String(b.departureAirport)}`,
          offset: ++offset,
          version: 2,
        }),
      );
    })
    .post('/api/airplanes', (res) => {
      readJson(res, 'POST /api/airplanes', (b) => reply(res, '201 Created', { id: b.registration, offset: ++offset, version: 1 }));
    })
    .put('/api/airplanes/:id/rotation', (res, req) => {
      const registration = req.getParameter(0);
      readJson(res, 'PUT /api/airplanes/:id/rotation', (b) =>
        reply(res, '200 OK', { _tag: 'Assigned', registration, rotationId: b.rotationId, offset: ++offset, assignmentId: `a${offset}` }),
      );
    })
    .any('/*', (res) => {
      res.cork(() => res.writeStatus('404 Not Found').end());
    });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const cli = defineCli({
    name: 'bare server',
    usage: 'usage: node --import tsx ops/load/bare.ts [--port P]',
    flags: { port: { type: 'string', value: 'P', default: '0', help: 'port on 127.0.0.1; 0 picks a free one' } },
  });
  let port = 0;
  try {
    const parsed = cli.parse(process.argv.slice(2));
    if (parsed.help) {
      console.log(cli.help());
      process.exit(0);
    }
    port = Number(parsed.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be an integer from 0 to 65535, got "${parsed.values.port}"`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(cli.usageText(error));
    process.exit(EXIT_USAGE);
  }
  bareApp().listen('127.0.0.1', port, (socket) => {
    if (!socket) {
      console.error(`bare server: cannot listen on port ${port}`);
      process.exit(2);
    }
    console.log(`bare server on http://127.0.0.1:${uws.us_socket_local_port(socket)}/`);
  });
  process.once('SIGTERM', () => process.exit(0));
}
