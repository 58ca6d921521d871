import type { BackendMessage, FieldDescription } from '../protocol/messages.js';
import type { Session } from './session.js';

/** A result set with its values as the server sent them (text format bytes). */
export interface RawQueryResult {
  readonly command: string;
  readonly fields: readonly { name: string; typeOid: number }[];
  readonly rows: readonly (readonly (Buffer | null)[])[];
}

/** A result set with text values (the contract's QueryResult). */
export interface QueryResult {
  readonly command: string;
  readonly fields: readonly { name: string; typeOid: number }[];
  readonly rows: readonly (readonly (string | null)[])[];
}

export const textResult = (raw: RawQueryResult): QueryResult => ({
  command: raw.command,
  fields: raw.fields,
  rows: raw.rows.map((row) => row.map((value) => (value === null ? null : value.toString('utf8')))),
});

/**
 * Gathers RowDescription / DataRow / CommandComplete / EmptyQueryResponse into result sets,
 * in order. A DataRow without a RowDescription, or with the wrong number of columns, is a
 * protocol error.
 */
export class ResultCollector {
  readonly results: RawQueryResult[] = [];
  private fields: FieldDescription[] | undefined;
  private rows: (Buffer | null)[][] = [];

  constructor(
    private readonly session: Session,
    private readonly during: string,
    private readonly onResult?: (result: RawQueryResult) => void,
  ) {}

  /** True when `message` belonged to a result set and was taken. */
  accept(message: BackendMessage): boolean {
    switch (message.type) {
      case 'rowDescription':
        if (this.fields !== undefined) throw this.session.unexpected(message, this.during);
        this.fields = [...message.fields];
        this.rows = [];
        return true;
      case 'dataRow':
        if (this.fields === undefined || message.values.length !== this.fields.length) {
          throw this.session.unexpected(message, this.during);
        }
        this.rows.push([...message.values]);
        return true;
      case 'commandComplete':
        this.push(message.tag);
        return true;
      case 'emptyQueryResponse':
        if (this.fields !== undefined) throw this.session.unexpected(message, this.during);
        this.push('');
        return true;
      default:
        return false;
    }
  }

  /** A result set still open (RowDescription seen, no CommandComplete yet). */
  get incomplete(): boolean {
    return this.fields !== undefined;
  }

  private push(command: string): void {
    const fields = (this.fields ?? []).map((f) => ({ name: f.name, typeOid: f.typeOid }));
    const result: RawQueryResult = { command, fields, rows: this.rows };
    this.results.push(result);
    this.fields = undefined;
    this.rows = [];
    this.onResult?.(result);
  }
}
