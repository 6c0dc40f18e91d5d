/** The view contract suite against the embedded MemoryScheduleView. */
import t from 'tap';
import { MemoryScheduleView } from '../../src/views/memory-view.ts';
import { viewContract } from './fixtures/view-contract.ts';

viewContract(t, async () => new MemoryScheduleView());
