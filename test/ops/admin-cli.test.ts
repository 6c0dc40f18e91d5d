/**
 * The admin CLI's command line (ops/admin/cli.ts): where the token may come from (the
 * environment or a file, never argv), the URL's scheme, and --ca/--insecure only with https.
 * The CLI against live nodes, over HTTP and HTTPS: test/cluster/admin.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ADMIN_CLI, parseArgs } from '../../ops/admin/cli.ts';

const env = { ALOFT_ADMIN_TOKEN: 'token-from-env' };

t.test('the token: ALOFT_ADMIN_TOKEN or --token-file, and the file wins', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-admin-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'token');
  writeFileSync(file, 'token-from-file\n');
  t.equal(parseArgs(['members'], env).token, 'token-from-env');
  t.equal(parseArgs(['--token-file', file, 'members'], {}).token, 'token-from-file', 'trimmed');
  t.equal(parseArgs(['members'], { ALOFT_ADMIN_TOKEN_FILE: file }).token, 'token-from-file', 'ALOFT_ADMIN_TOKEN_FILE');
  t.equal(parseArgs(['--token-file', file, 'members'], env).token, 'token-from-file');
  t.notMatch(ADMIN_CLI.help(), /--token T/, '--help offers no --token');
  t.match(ADMIN_CLI.help(), /--token-file FILE/);
});

t.test('https: --ca or ALOFT_ADMIN_CA, or a clearly flagged --insecure', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aloft-admin-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ca = path.join(dir, 'ca.crt');
  writeFileSync(ca, 'PEM');
  const https = ['--url', 'https://127.0.0.1:9443'];
  t.same(parseArgs([...https, 'members'], env).tls, { insecure: false }, 'the system CAs by default');
  t.same(parseArgs([...https, '--ca', ca, 'members'], env).tls, { ca: Buffer.from('PEM'), insecure: false });
  t.same(parseArgs([...https, 'members'], { ...env, ALOFT_ADMIN_CA: ca }).tls, { ca: Buffer.from('PEM'), insecure: false });
  t.same(parseArgs([...https, '--insecure', 'members'], env).tls, { insecure: true });
  t.match(ADMIN_CLI.help(), /--insecure .*INSECURE/s, '--help says what --insecure gives up');
});

t.test('refused command lines: exit 2 and a message saying what to do', async (t) => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [
      ['--token', 'secret-token', 'members'],
      {},
      /^--token is refused: the command line is visible to every local user \(ps\)\. Set ALOFT_ADMIN_TOKEN or use --token-file FILE$/,
    ],
    [['--token=secret-token', 'members'], env, /^--token is refused/],
    [['members'], {}, /^no admin token: set ALOFT_ADMIN_TOKEN or use --token-file FILE$/],
    [['--token-file', '/nonexistent/aloft-token', 'members'], {}, /^cannot read --token-file \/nonexistent\/aloft-token: ENOENT/],
    [['--url', 'ftp://h:1', 'members'], env, /must be http:\/\/ or https:\/\//],
    [['--url', 'not a url', 'members'], env, /"not a url" is not a URL/],
    [['--url', 'http://127.0.0.1:1', '--insecure', 'members'], env, /--ca and --insecure are for an https:\/\/ URL/],
    [['--url', 'https://127.0.0.1:1', '--ca', '/nonexistent/ca.crt', 'members'], env, /^cannot read --ca \/nonexistent\/ca\.crt/],
  ];
  for (const [argv, e, message] of cases) t.throws(() => parseArgs(argv, e), { code: 2, message }, argv.join(' '));
});
