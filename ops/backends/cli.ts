/**
 * `npm run backends -- up|down|status [--only kafka,cql,bolt] [--dir DIR]`: the live test
 * servers of the production backends on loopback (see docs/persistence.md).
 *
 * `up` starts them (the first run fetches their jars with Maven), waits until each answers a
 * real client request, and prints shell export lines on stdout, so that
 * `eval "$(npm run -s backends -- up)"` hands them to the tests; progress goes to stderr.
 */
import { defineCli, EXIT_USAGE, UsageError } from '../../src/cli/args.ts';
import { defaultDir, down, exportLines, parseNames, readState, statePath, statusLines, up } from './control.ts';

const BACKENDS_CLI = defineCli({
  name: 'backends',
  usage: 'usage: npm run backends -- <up|down|status|env> [--only kafka,cql,bolt] [--dir DIR]',
  description: [
    '  up       start the servers (Kafka, a CQL server for the ScyllaDB journal, a Bolt server for the',
    '           Memgraph view) on free loopback ports and print export lines for their variables',
    '  down     stop them and remove their data',
    '  status   say what runs where',
    '  env      print the export lines of the running servers again',
  ].join('\n'),
  positionals: true,
  flags: {
    only: { type: 'string', value: 'LIST', defaultText: 'all three', help: 'a comma-separated subset of kafka, cql, bolt' },
    dir: {
      type: 'string',
      value: 'DIR',
      env: 'ALOFT_BACKENDS_DIR',
      defaultText: defaultDir(),
      help: 'where their data, logs and state file go',
    },
  },
});

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof BACKENDS_CLI.parse>;
  try {
    parsed = BACKENDS_CLI.parse(argv, process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(BACKENDS_CLI.usageText(e));
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (parsed.help) {
    console.log(BACKENDS_CLI.help());
    return 0;
  }
  const [command, ...extra] = positionals;
  if (!command || extra.length > 0 || !['up', 'down', 'status', 'env'].includes(command)) {
    console.error(BACKENDS_CLI.usageText(command ? `unknown command ${[command, ...extra].join(' ')}` : 'a command is needed'));
    return EXIT_USAGE;
  }
  let names: ReturnType<typeof parseNames>;
  try {
    names = parseNames(values.only);
  } catch (e) {
    console.error(BACKENDS_CLI.usageText(`--only: ${(e as Error).message}`));
    return EXIT_USAGE;
  }
  const dir = values.dir ?? defaultDir();
  const progress = (line: string) => console.error(`backends: ${line}`);
  switch (command) {
    case 'up': {
      try {
        const state = await up(names, { dir, progress });
        for (const line of exportLines(state)) console.log(line);
        return 0;
      } catch (e) {
        console.error(`backends: could not start every server:\n${(e as Error).message}`);
        console.error('backends: the ones that started still run; `npm run backends -- down` stops them');
        return 1;
      }
    }
    case 'down':
      await down({ dir, names: values.only ? names : undefined, progress });
      return 0;
    case 'status':
      for (const line of statusLines(readState(statePath(dir)))) console.log(line);
      return 0;
    default: {
      const state = readState(statePath(dir));
      if (!state) {
        console.error('backends: no backend is running');
        return 1;
      }
      for (const line of exportLines(state)) console.log(line);
      return 0;
    }
  }
}

process.exitCode = await main(process.argv.slice(2));
