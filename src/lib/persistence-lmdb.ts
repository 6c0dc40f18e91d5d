/**
 * `aloft/persistence/lmdb`: the embedded journal backend, on LMDB (the `lmdb` package's prebuilt
 * native module): one process owns the directory, group commit, and `flush` (fsync before
 * acknowledging) or `commit` durability.
 *
 * ```ts
 * import { lmdbJournal } from 'aloft/persistence/lmdb';
 * const journal = await lmdbJournal({ path: './data/journal' });
 * ```
 *
 * @packageDocumentation
 * @module aloft/persistence/lmdb
 */
export { LmdbStore, lmdbJournal, type LmdbDurability, type LmdbStoreOptions } from '../persistence/lmdb-store.ts';
