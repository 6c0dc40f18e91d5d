/**
 * One way to read a command line, for the node and for every tool beside it: each program
 * declares its flags once (name, type, environment variable, default, help text) and gets from
 * that a parser and its `--help` text. Underneath is node:util's `parseArgs` (its tokens; the
 * checks below are ours, so that the messages name the flag the way our tools always have).
 *
 * The conventions, the same everywhere:
 * - `--flag value` and `--flag=value`; a value may not start with `--` (write `--flag=--x` for
 *   that), so a forgotten value is reported rather than swallowing the next flag;
 * - a boolean flag is `--flag`, or `--flag=true|false|1|0`;
 * - a flag beats its environment variable, which beats the default; an empty variable is unset;
 * - `--help` (and `-h`) anywhere asks for the help text, whatever else is on the line;
 * - an unknown flag, a missing value or a stray argument is a UsageError naming it; a program
 *   prints `usageText(error)` and exits with EXIT_USAGE (2).
 */
import { parseArgs } from 'node:util';

/** The exit code of a program given a bad command line. */
export const EXIT_USAGE = 2;

/** One flag of a program. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** What the flag is for, as `--help` shows it. */
  readonly help: string;
  /** The environment variable that sets it when the flag is absent. */
  readonly env?: string;
  /** The value when neither flag nor variable is given (booleans default to false). */
  readonly default?: string;
  /** How `--help` shows the default, when the value itself would mislead (computed, or long). */
  readonly defaultText?: string;
  /** Repeatable: every occurrence is kept, in order (the variable: comma-separated). */
  readonly multiple?: boolean;
  /** The placeholder of the value in `--help`, e.g. PORT. Default: N. */
  readonly value?: string;
  /** A heading: this flag and the ones after it are listed under it in `--help`. */
  readonly group?: string;
}

/** A program's flags by name (without the leading `--`). */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What a flag parses to: a boolean, the list of a repeatable flag, a string when it has a default. */
export type FlagValue<S extends FlagSpec> = S extends { readonly type: 'boolean' }
  ? boolean
  : S extends { readonly multiple: true }
    ? string[]
    : S extends { readonly default: string }
      ? string
      : string | undefined;

/** Every flag's value. */
export type FlagValues<F extends FlagSpecs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

/** A program's command line: its flags and how `--help` introduces them. */
export interface CliSpec<F extends FlagSpecs> {
  /** The program's name, prefixed to its error messages (`aloft: …`). */
  readonly name: string;
  /** The synopsis, starting with `usage:`; shown with every usage error and atop `--help`. */
  readonly usage: string;
  /** Text between the synopsis and the flags (commands, what the program does). */
  readonly description?: string;
  readonly flags: F;
  /** Whether arguments other than flags are allowed (commands, suites…); default false. */
  readonly positionals?: boolean;
  /** Text after the flags. */
  readonly footer?: string;
  /** Builds the error thrown for a bad command line; default: a UsageError. */
  readonly error?: (message: string) => Error;
}

/** A parsed command line. */
export interface ParsedArgs<F extends FlagSpecs> {
  /** `--help` or `-h` was given: nothing else was checked. */
  readonly help: boolean;
  readonly values: FlagValues<F>;
  /** The arguments that are not flags, in order (those after `--` included). */
  readonly positionals: string[];
  /** The flags set by the command line or the environment (not by a default). */
  readonly given: ReadonlySet<keyof F & string>;
}

/** A bad command line: an unknown flag, a missing value, a stray argument, a value out of range. */
export class UsageError extends Error {
  readonly _tag = 'UsageError';
  readonly retriable = false;
}

/** A program's command line, declared once: parse it, label its flags, print its help. */
export interface Cli<F extends FlagSpecs> {
  readonly spec: CliSpec<F>;
  /** Parses `argv` (without node and the script) against the flags and `env`. Throws on a bad line. */
  parse(argv: readonly string[], env?: Readonly<Record<string, string | undefined>>): ParsedArgs<F>;
  /** `--port/ALOFT_PORT`, or `--port` for a flag without a variable: how messages name a setting. */
  label(name: keyof F & string): string;
  /** The whole `--help` text. */
  help(): string;
  /** What to print for a bad command line: `name: message`, then the synopsis. */
  usageText(error: unknown): string;
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { '1': true, true: true, '0': false, false: false };
const WIDTH = 100;

/** Declares a program's command line. */
export function defineCli<const F extends FlagSpecs>(spec: CliSpec<F>): Cli<F> {
  const flags = spec.flags as FlagSpecs;
  const fail = (message: string): Error => (spec.error ?? ((m: string) => new UsageError(m)))(message);
  const label = (name: string): string => {
    const env = flags[name]?.env;
    return env === undefined ? `--${name}` : `--${name}/${env}`;
  };
  return {
    spec,
    label,
    help: () => helpText(spec),
    usageText: (error) => `${spec.name}: ${error instanceof Error ? error.message : String(error)}\n${spec.usage}`,
    parse(argv, env = {}) {
      const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
        help: { type: 'boolean', short: 'h' },
      };
      for (const [name, f] of Object.entries(flags)) options[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}) };
      // Not strict: parseArgs' own messages would not name things our way, so the tokens are checked here.
      const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
      const fromArgs = new Map<string, Array<string | boolean>>();
      const positionals: string[] = [];
      let help = false;
      const problems: string[] = [];
      for (const token of tokens) {
        if (token.kind === 'positional') {
          positionals.push(token.value);
          continue;
        }
        if (token.kind !== 'option') continue;
        if (token.name === 'help') {
          help = true;
          continue;
        }
        const f = flags[token.name];
        if (f === undefined || !token.rawName.startsWith('--')) {
          problems.push(`unknown flag ${token.rawName} (try --help)`);
          continue;
        }
        let value: string | boolean;
        if (f.type === 'boolean') {
          const text = token.value;
          if (text !== undefined && !(text in BOOLEAN_TEXT)) {
            problems.push(`--${token.name} takes no value, or one of true, false, 1, 0; got "${text}"`);
            continue;
          }
          value = text === undefined ? true : (BOOLEAN_TEXT[text] as boolean);
        } else {
          if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
            problems.push(`--${token.name} needs a value`);
            continue;
          }
          value = token.value;
        }
        fromArgs.set(token.name, [...(fromArgs.get(token.name) ?? []), value]);
      }
      const values: Record<string, string | boolean | string[] | undefined> = {};
      const given = new Set<string>();
      if (help) return { help, values: values as FlagValues<F>, positionals, given: given as Set<keyof F & string> };
      if (problems.length > 0) throw fail(problems[0] as string);
      if (!spec.positionals && positionals.length > 0) throw fail(`unexpected argument "${positionals[0]}" (try --help)`);
      for (const [name, f] of Object.entries(flags)) {
        const occurrences = fromArgs.get(name);
        const fromEnv = f.env === undefined ? undefined : env[f.env];
        if (occurrences !== undefined) {
          given.add(name);
          values[name] = f.multiple ? (occurrences as string[]) : occurrences[occurrences.length - 1];
        } else if (fromEnv !== undefined && fromEnv !== '') {
          given.add(name);
          if (f.type === 'boolean') {
            if (!(fromEnv in BOOLEAN_TEXT)) throw fail(`${label(name)} must be 1/true or 0/false, got "${fromEnv}"`);
            values[name] = BOOLEAN_TEXT[fromEnv];
          } else values[name] = f.multiple ? fromEnv.split(',') : fromEnv;
        } else if (f.type === 'boolean') values[name] = f.default === undefined ? false : BOOLEAN_TEXT[f.default] === true;
        else values[name] = f.multiple ? (f.default === undefined ? [] : f.default.split(',')) : f.default;
      }
      return { help, values: values as FlagValues<F>, positionals, given: given as Set<keyof F & string> };
    },
  };
}

function helpText(spec: CliSpec<FlagSpecs>): string {
  const rows: Array<{ group?: string; left: string; right: string }> = Object.entries(spec.flags).map(([name, f]) => {
    const notes = [
      f.env === undefined ? undefined : f.type === 'boolean' ? `${f.env}=1` : f.env,
      f.defaultText !== undefined ? `default ${f.defaultText}` : f.default !== undefined ? `default ${f.default}` : undefined,
    ].filter((n) => n !== undefined);
    const right = notes.length > 0 ? `${f.help} (${notes.join(', ')})` : f.help;
    return {
      ...(f.group !== undefined ? { group: f.group } : {}),
      left: f.type === 'boolean' ? `--${name}` : `--${name} ${f.value ?? 'N'}`,
      right,
    };
  });
  // Under a heading of its own (an empty one) when the others have headings: it belongs to none of them.
  rows.push({ ...(rows.some((r) => r.group !== undefined) ? { group: '' } : {}), left: '--help, -h', right: 'this text' });
  const column = Math.min(28, Math.max(...rows.map((r) => r.left.length)) + 2);
  const out = [spec.usage];
  if (spec.description !== undefined) out.push('', spec.description);
  out.push('');
  for (const row of rows) {
    if (row.group !== undefined) out.push('', ...(row.group === '' ? [] : [row.group]));
    const lead = `  ${row.left}`;
    const lines = wrap(row.right, WIDTH - column - 2);
    if (lead.length + 1 > column + 2) out.push(lead, ...lines.map((l) => `${' '.repeat(column + 2)}${l}`));
    else out.push(`${lead.padEnd(column + 2)}${lines[0] ?? ''}`, ...lines.slice(1).map((l) => `${' '.repeat(column + 2)}${l}`));
  }
  if (spec.footer !== undefined) out.push('', spec.footer);
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}
