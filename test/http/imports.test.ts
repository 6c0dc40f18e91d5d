/**
 * SSIM imports over HTTP against a real node: both corpus files, progress to done, the rotations
 * and legs they produce, a file with bad records refused whole or applied in part as asked, and
 * the JSON form with a rotation CSV.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatRotationCsv, parseSsimText, planImport } from '../../src/domain/index.ts';
import { eventually } from '../actors/helpers.ts';
import { documentedFetch } from '../fixtures/api-schema.ts';
import { fileNode } from '../fixtures/service.ts';
import { openApi } from '../../src/http/openapi.ts';

const corpus = path.resolve(import.meta.dirname, '../fixtures/ssim');
const node = fileNode('import', { workers: 2 });

async function importFile(body: string | Buffer, query = '', contentType = 'text/plain'): Promise<Record<string, unknown>> {
  // Every answer is checked against the OpenAPI document (its route, status and schema).
  const res = await documentedFetch(`${node.base}/api/imports${query}`, { method: 'POST', body, headers: { 'content-type': contentType } });
  t.equal(res.status, 202, 'import accepted');
  const { importId } = res.body as { importId: string };
  return eventually(
    async () => {
      const s = (await documentedFetch(`${node.base}/api/imports/${importId}`)).body as Record<string, unknown>;
      return ['done', 'rejected', 'failed'].includes(s.state as string) ? s : undefined;
    },
    60_000,
    `import ${importId} to finish`,
  );
}

t.test("the document's example SSIM file imports cleanly, raw and as JSON", async (t) => {
  const content = (openApi as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }> }).paths[
    '/api/imports'
  ]?.post.requestBody.content;
  const raw = (content?.['text/plain']?.schema as { examples?: string[] } | undefined)?.examples?.[0];
  const json = (content?.['application/json']?.schema as { examples?: unknown[] } | undefined)?.examples?.[0];
  if (typeof raw !== 'string') throw new Error('the document gives no raw SSIM example');
  t.same(json, { ssim: raw }, 'the JSON form carries the same file');
  const first = await importFile(raw);
  t.match(first, { state: 'done', problemCount: 0, legs: 2 }, 'two legs, no problem');
  t.equal(first.commandsApplied, first.commandsTotal, 'every command applied (nothing there before)');
  const again = await importFile(JSON.stringify(json), '', 'application/json');
  t.match(again, { state: 'done', problemCount: 0, legs: 2 }, 'the JSON form parses the same');
  t.equal(again.commandsApplied, 0, 'a second time nothing is applied twice');
});

t.test('both corpus files import completely, with rotations from the onward-flight fields', async (t) => {
  // Each names onward flights it cannot follow (sample.ssim: two missing, lines 31 and 203; the
  // duplicates file: XX 42 twice, lines 11 and 13): by default that rejects the file, with the lines.
  for (const [file, lines] of [
    ['sample.ssim', [31, 203]],
    ['sample_with_duplicates.ssim', [11, 13]],
  ] as const) {
    const text = readFileSync(path.join(corpus, file), 'latin1');
    const refused = await importFile(text);
    t.equal(refused.state, 'rejected', `${file}: rejected by default`);
    t.same(
      (refused.problems as Array<{ line: number }>).map((p) => p.line),
      lines,
      `${file}: the onward references' lines`,
    );
    const plan = planImport(parseSsimText(text), { onError: 'valid-only' });
    if (plan._tag !== 'ImportReady') throw new Error(`${file} does not plan`);
    const s = await importFile(text, '?onError=valid-only');
    t.equal(s.state, 'done', `${file}: done`);
    t.equal(s.problemCount, lines.length, `${file}: the problems are still reported`);
    t.equal(s.legs, plan.legCount, `${file}: every leg parsed`);
    t.equal(s.commandsTotal, plan.rotations.length + plan.legCount, `${file}: one command per rotation and per leg`);
    // The two files share flights: a rotation the first import created is refused as a duplicate.
    const rejections = s.rejections as Array<{ error: string }>;
    t.equal((s.commandsApplied as number) + (s.commandsRejected as number), s.commandsTotal, `${file}: every command answered`);
    t.ok(
      rejections.every((r) => r.error === 'RotationAlreadyExists' || r.error === 'LegAlreadyInRotation'),
      `${file}: refusals only for what an earlier import created`,
    );
    const first = plan.rotations[0];
    if (!first) continue;
    const rot = (await documentedFetch(`${node.base}/api/rotations/${encodeURIComponent(first.rotationId)}`)).body as {
      legs: Array<{ id: string }>;
    };
    // The second file's rotations exist already from the first (sample.ssim linked XX 41 to XX 42,
    // the duplicates file cannot tell its two XX 42 apart): its own legs are there, in order.
    const planned = new Set(first.legs.map((l) => l.id));
    t.same(
      rot.legs.map((l) => l.id).filter((id) => planned.has(id)),
      first.legs.map((l) => l.id),
      `${file}: rotation ${first.rotationId} holds its legs in order`,
    );
  }
});

t.test('a file with a broken record is rejected whole, or applied in part when asked', async (t) => {
  const lines = readFileSync(path.join(corpus, 'sample_with_duplicates.ssim'), 'latin1').split(/\r?\n/);
  const i = lines.findIndex((l) => l.startsWith('3'));
  lines[i] = `${(lines[i] as string).slice(0, 13)}XXXXXXX${(lines[i] as string).slice(20)}`; // a period of operation that is no date
  const broken = lines.join('\n');
  const rejected = await importFile(broken);
  t.equal(rejected.state, 'rejected');
  t.equal(rejected.commandsApplied, 0, 'nothing applied');
  const problems = rejected.problems as Array<{ line: number; column: number; message: string }>;
  t.ok(problems.length > 0 && problems[0]?.line === i + 1, `the problem names line ${i + 1}`);
  t.type(problems[0]?.column, 'number', 'and a column');
  const partial = await importFile(broken, '?onError=valid-only');
  t.equal(partial.state, 'done');
  t.ok((partial.problemCount as number) > 0, 'problems still reported');
});

t.test('JSON form with a rotation CSV, and bad import requests', async (t) => {
  const text = readFileSync(path.join(corpus, 'sample_with_duplicates.ssim'), 'latin1');
  const parsed = parseSsimText(text);
  const legs = parsed.legs.map((l) => l.leg).sort((a, b) => a.departureUtc - b.departureUtc);
  // Two rotations of legs that do not overlap within each: every other leg by departure time.
  const csv = formatRotationCsv([0, 1].map((k) => ({ rotationId: `csv-rot-${k}`, legs: legs.filter((_, i) => i % 2 === k) })));
  const s = await importFile(JSON.stringify({ ssim: text, rotations: csv, onError: 'valid-only' }), '', 'application/json');
  t.equal(s.state, 'done');
  t.equal(s.rotations, 2, 'rotations came from the CSV');
  const bad = await documentedFetch(`${node.base}/api/imports?onError=maybe`, { method: 'POST', body: text });
  t.match(bad, { status: 400, body: { field: 'onError' } });
  t.match(
    await documentedFetch(`${node.base}/api/imports`, {
      method: 'POST',
      body: '{"ssim": 1}',
      headers: { 'content-type': 'application/json' },
    }),
    { status: 400, body: { field: 'ssim' } },
    'JSON with a wrong type',
  );
  t.equal((await documentedFetch(`${node.base}/api/imports`, { method: 'POST', body: '' })).status, 400, 'empty import');
  t.equal((await documentedFetch(`${node.base}/api/imports/nope`)).status, 404);
  const list = await documentedFetch(`${node.base}/api/imports`);
  t.ok((list.body as { imports: unknown[] }).imports.length >= 3, 'the jobs are listed');
});
