/**
 * SSIM imports over HTTP.
 *
 * POST /api/imports takes either the SSIM file itself as the body (any content type but JSON;
 * `?onError=reject|valid-only`, default reject), or a JSON object
 * `{ "ssim": "<file text>", "rotations": "<rotation CSV text>", "onError": "valid-only" }` when a
 * rotation assignment file goes with it. It answers 202 {importId} once the job and its source are
 * journalled; the work runs in the background, and goes on after a crash of this member (another
 * resumes it). GET /api/imports/{importId} reports progress and, when done, counts and the
 * per-line problems; GET /api/imports lists every job. Both answer on every member: a job this
 * member runs is reported as it runs, any other from the journal (ImportDirectory).
 */
import type { ImportDirectory } from '../app/import-directory.ts';
import type { Importer, ImportStatus } from '../app/importer.ts';
import { badRequest, journalRead, notFound } from './problem.ts';
import type { HttpServer } from './server.ts';
import { fields, parseJson } from './validate.ts';

/** The largest import accepted in one request: a full season is about 40 MB of SSIM. */
export const MAX_IMPORT_BYTES = 128 * 1024 * 1024;

export function importRoutes(server: HttpServer, importer: Importer, directory: ImportDirectory): void {
  const statusOf = (importId: string): ImportStatus | undefined => importer.status(importId) ?? directory.get(importId);
  server.route(
    'post',
    '/api/imports',
    async (req) => {
      let ssim: Buffer;
      let rotationCsv: string | undefined;
      let onError = req.query.get('onError') ?? 'reject';
      if ((req.headers.get('content-type') ?? '').includes('application/json')) {
        const b = fields(parseJson(req.body), {
          ssim: { type: 'string' },
          rotations: { type: 'string', optional: true },
          onError: { type: 'string', optional: true, pattern: /^(reject|valid-only)$/, hint: 'reject or valid-only' },
        });
        ssim = Buffer.from(b.ssim, 'latin1');
        rotationCsv = b.rotations;
        onError = b.onError ?? onError;
      } else {
        ssim = req.body;
      }
      if (onError !== 'reject' && onError !== 'valid-only')
        throw badRequest(`onError must be reject or valid-only, got "${onError}"`, 'onError');
      if (ssim.length === 0) throw badRequest('the import has no SSIM data', 'ssim');
      const status = await journalRead(() => importer.start({ ssim, onError, ...(rotationCsv !== undefined ? { rotationCsv } : {}) }));
      return { status: 202, body: { importId: status.importId, state: status.state } };
    },
    { maxBody: MAX_IMPORT_BYTES },
  );

  server.route('get', '/api/imports', () => {
    const byId = new Map<string, ImportStatus>();
    for (const s of directory.list()) byId.set(s.importId, s);
    for (const s of importer.local()) byId.set(s.importId, s);
    const imports = [...byId.values()]
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .map(({ problems: _p, rejections: _r, ...summary }) => summary);
    return { status: 200, body: { imports } };
  });

  server.route('get', '/api/imports/:id', (req) => {
    const status = statusOf(req.params[0] ?? '');
    if (!status) throw notFound(`no import ${req.params[0] ?? ''}`);
    return { status: 200, body: status };
  });
}
