/**
 * `npm start`: one Aloft node on the embedded defaults — LMDB journal in the data directory,
 * entities in worker threads, the HTTP API on 127.0.0.1:8080. SIGTERM/SIGINT stop it gracefully:
 * stop accepting, finish in-flight requests, stop the actors, flush the journal, exit 0.
 */
import { ConfigError, HELP, parseConfig } from './service/config.ts';
import { startService } from './service/service.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`aloft: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (config === 'help') {
    console.log(HELP);
    return;
  }
  const started = performance.now();
  const service = await startService(config);
  console.log(`aloft: node up in ${Math.round(performance.now() - started)} ms — http://${config.host}:${service.port}/ (data ${config.data}, ${config.workers} workers)`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`aloft: ${signal}, stopping`);
    await service.stop();
    console.log('aloft: stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`aloft: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
