import t from 'tap';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/service/config.ts';

t.test('defaults, environment, and flags over environment', async (t) => {
  const d = parseConfig([], {});
  t.not(d, 'help');
  if (d === 'help') return;
  t.same([d.host, d.port, d.data, d.demoSeason, d.durability, d.viewThreads], ['127.0.0.1', 8080, path.resolve('data'), false, 'flush', 'main']);
  const e = parseConfig([], { ALOFT_HOST: '127.0.0.2', ALOFT_PORT: '9000', ALOFT_DATA: '/tmp/x', ALOFT_DEMO_SEASON: '1', ALOFT_VIEWS: 'workers' });
  if (e === 'help') return t.fail('help');
  t.same([e.host, e.port, e.data, e.demoSeason, e.viewThreads], ['127.0.0.2', 9000, '/tmp/x', true, 'workers']);
  const f = parseConfig(['--port', '9100', '--data=/tmp/y', '--demo-season'], { ALOFT_PORT: '9000' });
  if (f === 'help') return t.fail('help');
  t.same([f.port, f.data, f.demoSeason], [9100, '/tmp/y', true], 'a flag beats its environment variable');
  t.equal(parseConfig(['--help'], {}), 'help');
});

t.test('bad settings are refused with a message naming them', async (t) => {
  const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--port', 'eighty'], {}, /--port\/ALOFT_PORT must be an integer/],
    [[], { ALOFT_PORT: '70000' }, /from 0 to 65535/],
    [['--workers', '0'], {}, /--workers/],
    [['--durability', 'maybe'], {}, /flush or commit/],
    [['--views', 'gpu'], {}, /workers or main/],
    [['--colour', 'red'], {}, /unknown flag --colour/],
    [['--port'], {}, /--port needs a value/],
    [['stray'], {}, /unexpected argument "stray"/],
    [['--host', 'bad host!'], {}, /not a host name/],
  ];
  for (const [argv, env, message] of cases) {
    t.throws(() => parseConfig(argv, env), message, `${argv.join(' ')} ${JSON.stringify(env)}`);
    try {
      parseConfig(argv, env);
    } catch (error) {
      t.ok(error instanceof ConfigError, 'a ConfigError');
    }
  }
});
