/**
 * The domain's schema (src/domain/schema.ts) wired into the journal's upcaster machinery: every
 * journal the service opens reads older event versions lifted to the current ones, on replay
 * (the entities) and on the feed (the views, the publisher, the bus) alike.
 */
import { EVENT_UPCASTS, EVENT_VERSIONS } from '../domain/index.ts';
import { Upcasters, type JournalEvent } from '../persistence/index.ts';

export function domainUpcasters(): Upcasters {
  const upcasters = new Upcasters();
  for (const [type, version] of Object.entries(EVENT_VERSIONS)) upcasters.declare(type, version);
  for (const step of EVENT_UPCASTS) upcasters.register(step.type, step.fromVersion, (event: JournalEvent) => step.upcast(event));
  return upcasters;
}
