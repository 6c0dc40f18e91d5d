/**
 * src/domain imports nothing of ours outside itself and no package or Node built-in: it is the
 * pure core every other layer builds on (docs/domain.md, DESIGN.md "Layers").
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../src/domain/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

t.test('every import in src/domain is a relative .ts file inside src/domain', async (t) => {
  const all = files(root);
  t.ok(all.length > 10, `found ${all.length} files`);
  for (const file of all) {
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] as string;
      const resolved = path.resolve(path.dirname(file), spec);
      t.ok(spec.startsWith('.') && spec.endsWith('.ts') && resolved.startsWith(root), `${path.relative(root, file)} imports ${spec}`);
    }
  }
});
