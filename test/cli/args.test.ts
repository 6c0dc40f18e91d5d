/**
 * The shared command-line parser (src/cli/args.ts): both value forms, flag over environment over
 * default, booleans, repeatable flags, --help anywhere, and the messages of a bad command line.
 */
import t from 'tap';
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';

const cli = defineCli({
  name: 'tool',
  usage: 'usage: tool [options] <thing>',
  positionals: true,
  flags: {
    port: { type: 'string', value: 'PORT', env: 'TOOL_PORT', default: '8080', help: 'the port' },
    host: { type: 'string', env: 'TOOL_HOST', help: 'the host' },
    verbose: { type: 'boolean', env: 'TOOL_VERBOSE', help: 'say more' },
    route: { type: 'string', multiple: true, env: 'TOOL_ROUTES', group: 'Routing:', help: 'a route, repeatable' },
  },
});

t.test('--flag value and --flag=value; a flag beats its variable, which beats the default', async (t) => {
  t.same(cli.parse([], {}).values, { port: '8080', host: undefined, verbose: false, route: [] });
  t.equal(cli.parse(['--port', '1'], {}).values.port, '1');
  t.equal(cli.parse(['--port=2'], {}).values.port, '2');
  t.equal(cli.parse([], { TOOL_PORT: '3' }).values.port, '3');
  t.equal(cli.parse(['--port', '4'], { TOOL_PORT: '3' }).values.port, '4');
  t.equal(cli.parse([], { TOOL_PORT: '' }).values.port, '8080', 'an empty variable is unset');
  t.equal(cli.parse(['--port', '1', '--port', '5'], {}).values.port, '5', 'the last one wins');
  t.equal(cli.parse(['--port', '-1'], {}).values.port, '-1', 'a value may start with one dash');
  t.equal(cli.parse(['--port='], {}).values.port, '', 'an empty value after = is a value');
  const p = cli.parse(['--host', 'h'], { TOOL_PORT: '3' });
  t.same([...p.given].sort(), ['host', 'port'], 'given: set by a flag or a variable, not by a default');
});

t.test('booleans, repeatable flags, positionals', async (t) => {
  t.equal(cli.parse(['--verbose'], {}).values.verbose, true);
  t.equal(cli.parse(['--verbose=false'], {}).values.verbose, false);
  t.equal(cli.parse(['--verbose=1'], {}).values.verbose, true);
  t.equal(cli.parse([], { TOOL_VERBOSE: 'true' }).values.verbose, true);
  t.equal(cli.parse([], { TOOL_VERBOSE: '0' }).values.verbose, false);
  t.same(cli.parse(['--route', 'a', '--route=b'], {}).values.route, ['a', 'b']);
  t.same(cli.parse([], { TOOL_ROUTES: 'a,b' }).values.route, ['a', 'b'], 'a repeatable variable is comma-separated');
  t.same(cli.parse(['x', '--verbose', 'y', '--', '--port'], {}).positionals, ['x', 'y', '--port'], 'after --, everything is positional');
});

t.test('--help anywhere, whatever else is wrong', async (t) => {
  t.equal(cli.parse(['--help'], {}).help, true);
  t.equal(cli.parse(['-h'], {}).help, true);
  t.equal(cli.parse(['--nope', 'x', '--help'], {}).help, true);
  const help = cli.help();
  t.match(help, /^usage: tool \[options\] <thing>/);
  t.match(help, /--port PORT +the port \(TOOL_PORT, default 8080\)/);
  t.match(help, /--verbose +say more \(TOOL_VERBOSE=1\)/);
  t.match(help, /\nRouting:\n {2}--route N/);
  t.match(help, /--help, -h +this text/);
});

t.test('a bad command line is a UsageError naming what is wrong', async (t) => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--colour', 'red'], {}, /^unknown flag --colour \(try --help\)$/],
    [['-x'], {}, /^unknown flag -x/],
    [['--port'], {}, /^--port needs a value$/],
    [['--port', '--verbose'], {}, /^--port needs a value$/],
    [['--verbose=maybe'], {}, /^--verbose takes no value, or one of true, false, 1, 0; got "maybe"$/],
    [[], { TOOL_VERBOSE: 'yes' }, /^--verbose\/TOOL_VERBOSE must be 1\/true or 0\/false, got "yes"$/],
  ];
  for (const [argv, env, message] of cases) t.throws(() => cli.parse(argv, env), message, argv.join(' '));
  t.ok(failure(() => cli.parse(['--colour'], {})) instanceof UsageError);
  const strict = defineCli({ name: 'strict', usage: 'usage: strict', flags: {} });
  t.throws(() => strict.parse(['stray'], {}), /^unexpected argument "stray" \(try --help\)$/, 'no positionals unless declared');
  class MyError extends Error {}
  const own = defineCli({ name: 'own', usage: 'usage: own', flags: {}, error: (m) => new MyError(m) });
  t.ok(failure(() => own.parse(['--x'], {})) instanceof MyError, 'a program may throw its own error class');
  t.equal(cli.usageText(new UsageError('--port needs a value')), 'tool: --port needs a value\nusage: tool [options] <thing>');
  t.equal(cli.label('port'), '--port/TOOL_PORT');
  t.equal(EXIT_USAGE, 2);
});

function failure(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
