/**
 * SSIM imports over HTTP.
 *
 * POST /api/imports takes either the SSIM file itself as the body (any content type but JSON;
 * `?onError=reject|valid-only`, default reject), or a JSON object
 * `{ "ssim": "<file text>", "rotations": "<rotation CSV text>", "onError": "valid-only" }` when a
 * rotation assignment file goes with it. It answers 202 {importId} at once; the work runs in the
 * background. GET /api/imports/{importId} reports progress and, when done, counts and the
 * per-line problems.
 */
import type { Importer } from '../service/importer.ts';
import { badRequest, notFound } from './problem.ts';
import type { HttpServer } from './server.ts';
import { fields, parseJson } from './validate.ts';

/** The largest import accepted in one request: a full season is about 40 MB of SSIM. */
export const MAX_IMPORT_BYTES = 128 * 1024 * 1024;

export function importRoutes(server: HttpServer, importer: Importer): void {
  server.route(
    'post',
    '/api/imports',
    (req) => {
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
      if (onError !== 'reject' && onError !== 'valid-only') throw badRequest(`onError must be reject or valid-only, got "${onError}"`, 'onError');
      if (ssim.length === 0) throw badRequest('the import has no SSIM data', 'ssim');
      const status = importer.start({ ssim, onError, ...(rotationCsv !== undefined ? { rotationCsv } : {}) });
      return { status: 202, body: { importId: status.importId, state: status.state } };
    },
    { maxBody: MAX_IMPORT_BYTES },
  );

  server.route('get', '/api/imports/:id', (req) => {
    const status = importer.status(req.params[0] ?? '');
    if (!status) throw notFound(`no import ${req.params[0] ?? ''}`);
    return { status: 200, body: status };
  });
}
