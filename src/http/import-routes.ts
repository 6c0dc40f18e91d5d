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
import { API } from './api.ts';
import { serve } from './route-spec.ts';
import type { HttpServer } from './server.ts';

/** The largest import accepted in one request: a full season is about 40 MB of SSIM. */
export const MAX_IMPORT_BYTES = 128 * 1024 * 1024;

export function importRoutes(server: HttpServer, importer: Importer, directory: ImportDirectory): void {
  const statusOf = (importId: string): ImportStatus | undefined => importer.status(importId) ?? directory.get(importId);
  serve(
    server,
    API.startImport,
    async (req, { query, body: b }) => {
      // JSON (the body validated as ImportJson), or the SSIM file itself in any other content type.
      const ssim = b === undefined ? req.body : Buffer.from(b.ssim, 'latin1');
      const rotationCsv = b?.rotations;
      const onError = b?.onError ?? query.onError ?? 'reject';
      if (ssim.length === 0) throw badRequest('the import has no SSIM data', 'ssim');
      const status = await journalRead(() => importer.start({ ssim, onError, ...(rotationCsv !== undefined ? { rotationCsv } : {}) }));
      return { status: 202, body: { importId: status.importId, state: status.state } };
    },
    { maxBody: MAX_IMPORT_BYTES },
  );

  serve(server, API.listImports, () => {
    const byId = new Map<string, ImportStatus>();
    for (const s of directory.list()) byId.set(s.importId, s);
    for (const s of importer.local()) byId.set(s.importId, s);
    const imports = [...byId.values()]
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .map(({ problems: _p, rejections: _r, ...summary }) => summary);
    return { status: 200, body: { imports } };
  });

  serve(server, API.getImport, (_req, { params: { id } }) => {
    const status = statusOf(id);
    if (!status) throw notFound(`no import ${id}`);
    return { status: 200, body: status };
  });
}
