/**
 * A strict JSON parser (RFC 8259, what Go's encoding/json accepts) that remembers where
 * every value and key sits in the text, so daemon.json can be edited in place and errors
 * can name a line and column. JSON.parse gives neither.
 */
export type JsonNode =
  | { readonly kind: 'object'; readonly start: number; readonly end: number; readonly members: readonly JsonMember[] }
  | { readonly kind: 'array'; readonly start: number; readonly end: number; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly start: number; readonly end: number; readonly value: string }
  | { readonly kind: 'number'; readonly start: number; readonly end: number; readonly value: number }
  | { readonly kind: 'boolean'; readonly start: number; readonly end: number; readonly value: boolean }
  | { readonly kind: 'null'; readonly start: number; readonly end: number; readonly value: null };

export interface JsonMember {
  readonly key: string;
  /** Offsets of the key including its quotes. */
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: JsonNode;
}

export type JsonObjectNode = Extract<JsonNode, { kind: 'object' }>;

export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

export class JsonSyntaxError extends Error {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  constructor(reason: string, text: string, offset: number) {
    const { line, column } = lineColumnAt(text, offset);
    super(`${reason} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

/** 1-based line and column (in characters) of `offset`. */
export const lineColumnAt = (text: string, offset: number): TextPosition => {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 0x0a) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: [...text.slice(lineStart, offset)].length + 1 };
};

const MAX_DEPTH = 1000;

/** Parses a whole document; it must be exactly one value with only whitespace around it. */
export const parseJsonWithPositions = (text: string): JsonNode => {
  const parser = new Parser(text);
  parser.skipWhitespace();
  if (parser.pos >= text.length) parser.fail('unexpected end of input');
  const node = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos < text.length) parser.fail(`unexpected ${describeChar(text, parser.pos)} after the top-level value`);
  return node;
};

const describeChar = (text: string, pos: number): string => {
  const code = text.codePointAt(pos);
  if (code === undefined) return 'end of input';
  if (code < 0x20 || code === 0x7f || code === 0xfeff) return `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `character '${String.fromCodePoint(code)}'`;
};

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(reason: string, at: number = this.pos): never {
    throw new JsonSyntaxError(reason, this.text, at);
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos += 1;
    }
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') {
      const start = this.pos;
      const value = this.string();
      return { kind: 'string', start, end: this.pos, value };
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, node] of literals) {
      if (this.text.startsWith(word, this.pos)) {
        const start = this.pos;
        this.pos += word.length;
        return { ...node, start, end: this.pos } as LiteralNode;
      }
    }
    return this.fail(this.pos >= this.text.length ? 'unexpected end of input' : `unexpected ${describeChar(this.text, this.pos)}`);
  }

  private object(depth: number): JsonNode {
    const start = this.pos;
    this.pos += 1;
    const members: JsonMember[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos += 1;
      return { kind: 'object', start, end: this.pos, members };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.expected('a string key');
      const keyStart = this.pos;
      const key = this.string();
      const keyEnd = this.pos;
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.expected("':' after the key");
      this.pos += 1;
      this.skipWhitespace();
      const value = this.value(depth + 1);
      members.push({ key, keyStart, keyEnd, value });
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos += 1;
      if (next === '}') return { kind: 'object', start, end: this.pos, members };
      if (next !== ',') this.expected("',' or '}'", this.pos - 1);
    }
  }

  private array(depth: number): JsonNode {
    const start = this.pos;
    this.pos += 1;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos += 1;
      return { kind: 'array', start, end: this.pos, items };
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.value(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos += 1;
      if (next === ']') return { kind: 'array', start, end: this.pos, items };
      if (next !== ',') this.expected("',' or ']'", this.pos - 1);
    }
  }

  private expected(what: string, at: number = this.pos): never {
    const found = at >= this.text.length ? 'end of input' : describeChar(this.text, at);
    return this.fail(`expected ${what} but found ${found}`, at);
  }

  private string(): string {
    const start = this.pos;
    this.pos += 1;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string', start);
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      if (c === 0x5c) {
        const e = this.text[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) this.fail('invalid \\u escape');
          this.pos += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail('invalid escape in string');
        this.pos += 2;
        continue;
      }
      this.pos += 1;
    }
    this.pos += 1;
    // The slice is now known to be a valid JSON string literal.
    return JSON.parse(this.text.slice(start, this.pos)) as string;
  }

  private number(): JsonNode {
    const start = this.pos;
    const match = numberPattern.exec(this.text.slice(this.pos));
    if (match === null) this.fail('invalid number');
    this.pos += match[0].length;
    return { kind: 'number', start, end: this.pos, value: Number(match[0]) };
  }
}

const numberPattern = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/;

type LiteralNode = Extract<JsonNode, { kind: 'boolean' | 'null' }>;
type WithoutPosition<T> = T extends unknown ? Omit<T, 'start' | 'end'> : never;

const literals: ReadonlyArray<readonly [string, WithoutPosition<LiteralNode>]> = [
  ['true', { kind: 'boolean', value: true }],
  ['false', { kind: 'boolean', value: false }],
  ['null', { kind: 'null', value: null }],
];
