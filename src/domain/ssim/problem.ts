/**
 * A problem found in an input file: where (line, column), in which field, what was expected and
 * what was there. Plain data so an HTTP import can return the list as it is.
 */
import type { Field } from './layout.ts';

export interface SsimProblem {
  readonly _tag: 'SsimProblem';
  readonly line: number;
  /** 1-based column of the first character of the offending field. */
  readonly column: number;
  readonly field: string;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

export function problem(line: number, column: number, field: string, expected: string, found: string): SsimProblem {
  return {
    _tag: 'SsimProblem',
    line,
    column,
    field,
    expected,
    found,
    message: `line ${line}, column ${column}: ${field}: expected ${expected}, found ${JSON.stringify(found)}`,
  };
}

export function fieldProblem(line: number, record: string, field: Field, expected: string): SsimProblem {
  return problem(line, field.column, field.name, expected, record.slice(field.column - 1, field.column - 1 + field.length));
}
