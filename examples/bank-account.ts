/**
 * An event-sourced bank account with snapshots, on the in-memory journal.
 *
 * The domain is a decider of plain functions: `decide(command, state)` accepts a command with
 * the events it causes or rejects it, `evolve(state, event)` folds an event into the state. The
 * actor made by `eventSourced` recovers (latest snapshot, then the events after it), then for
 * each command decides, appends the events with the expected sequence number, folds them and
 * only then replies. With `snapshotEvery: 3` it saves a snapshot whenever the sequence number
 * crosses a multiple of 3, so a restarted account replays only the events after it.
 *
 *   npm run example examples/bank-account.ts
 */
import { ActorSystem, type ActorRef } from 'aloft';
import { eventSourced, memoryJournal, type CommandReply, type Decider, type EntityMessage, type EventStore } from 'aloft/persistence';

type Command =
  | { readonly _tag: 'Open'; readonly owner: string }
  | { readonly _tag: 'Deposit'; readonly amount: number }
  | { readonly _tag: 'Withdraw'; readonly amount: number };
type Event =
  | { readonly _tag: 'Opened'; readonly owner: string }
  | { readonly _tag: 'Deposited'; readonly amount: number }
  | { readonly _tag: 'Withdrawn'; readonly amount: number };
type Account = { readonly status: 'none' } | { readonly status: 'open'; readonly owner: string; readonly balance: number };
type Rejection = 'AlreadyOpen' | 'NotOpen' | 'InvalidAmount' | 'InsufficientFunds';

const account: Decider<Command, Event, Account, Rejection> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    const reject = (error: Rejection) => ({ _tag: 'Rejected', error }) as const;
    const accept = (...events: Event[]) => ({ _tag: 'Accepted', events }) as const;
    if (command._tag === 'Open') return state.status === 'none' ? accept({ _tag: 'Opened', owner: command.owner }) : reject('AlreadyOpen');
    if (state.status !== 'open') return reject('NotOpen');
    if (!(command.amount > 0)) return reject('InvalidAmount');
    if (command._tag === 'Deposit') return accept({ _tag: 'Deposited', amount: command.amount });
    return command.amount <= state.balance ? accept({ _tag: 'Withdrawn', amount: command.amount }) : reject('InsufficientFunds');
  },
  evolve(state, event) {
    switch (event._tag) {
      case 'Opened':
        return { status: 'open', owner: event.owner, balance: 0 };
      case 'Deposited':
        return state.status === 'open' ? { ...state, balance: state.balance + event.amount } : state;
      case 'Withdrawn':
        return state.status === 'open' ? { ...state, balance: state.balance - event.amount } : state;
    }
  },
};

type AccountRef = ActorRef<EntityMessage<Command, Event, Account, Rejection>>;

const journal = await memoryJournal();
// The journal as the actor sees it (the EventStore port), counting the events it replays.
let replayed = 0;
const store: EventStore = {
  append: (id, expectedSeq, events) => journal.append(id, expectedSeq, events),
  loadSnapshot: (id) => journal.loadSnapshot(id),
  saveSnapshot: (id, seq, state) => journal.saveSnapshot(id, seq, state),
  async *replay(id, fromSeq) {
    for await (const e of journal.replay(id, fromSeq)) {
      replayed++;
      yield e;
    }
  },
};

const system = new ActorSystem();
const spawnAccount = (): AccountRef =>
  system.spawn(eventSourced({ persistenceId: 'account-1', store, decider: account, snapshotEvery: 3 }), { name: 'account-1' });

const send = async (ref: AccountRef, command: Command) => {
  const reply = await ref.ask<CommandReply<Event, Rejection>>((replyTo) => ({ _tag: 'Command', command, replyTo }), 2_000);
  const what = `${command._tag}${'amount' in command ? ` ${command.amount}` : ''}`;
  if (reply._tag === 'Accepted') console.log(`${what}: accepted, seq ${reply.seq}, feed offset ${reply.offset}`);
  else if (reply._tag === 'Rejected') console.log(`${what}: rejected, ${reply.error}`);
  else console.log(`${what}: failed, ${reply.error.message}`);
};
const balance = async (ref: AccountRef) => {
  const { state, seq } = await ref.ask<{ state: Account; seq: number }>((replyTo) => ({ _tag: 'GetState', replyTo }), 2_000);
  return `${state.status === 'open' ? `${state.owner}'s balance is ${state.balance}` : 'no account'} at seq ${seq}`;
};

let ref = spawnAccount();
await send(ref, { _tag: 'Open', owner: 'Ada' });
await send(ref, { _tag: 'Deposit', amount: 100 });
await send(ref, { _tag: 'Deposit', amount: 50 });
await send(ref, { _tag: 'Withdraw', amount: 500 });
await send(ref, { _tag: 'Withdraw', amount: 30 });
console.log(await balance(ref));

const snapshot = await journal.loadSnapshot('account-1');
console.log(`latest snapshot: seq ${snapshot?.seq}, state ${JSON.stringify(snapshot?.state)}`);

// Stop the actor (a passivation, a crash or a new process would do the same) and start it again.
system.stop(ref);
replayed = 0;
ref = spawnAccount();
console.log(`recovered: ${await balance(ref)}, from the snapshot and ${replayed} replayed event(s)`);

system.shutdown();
await journal.close();
