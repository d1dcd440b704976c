/** A place in a text file as editors count it: lines and columns from 1. */
export interface Position {
  line: number;
  column: number;
}

/** A JSON value with where it starts, and for an object where each of its keys is, so errors can point at them. */
export type LocatedJson =
  | { kind: 'object'; at: Position; members: { key: string; keyAt: Position; value: LocatedJson }[] }
  | { kind: 'array'; at: Position; items: LocatedJson[] }
  | { kind: 'string'; at: Position; value: string }
  | { kind: 'number'; at: Position; value: number }
  | { kind: 'boolean'; at: Position; value: boolean }
  | { kind: 'null'; at: Position };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: Position,
  ) {
    super(message);
  }
}

const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Strict JSON (RFC 8259) read with positions. Node 20's JSON.parse names no line or column, and takes the last
 * of two equal keys without a word; a config file's reader needs both: the line of a mistake, and a refusal
 * of a key written twice, since which of the two counts would be a guess.
 */
export function parseLocatedJson(text: string): LocatedJson {
  let offset = text.startsWith('\ufeff') ? 1 : 0;

  const positionOf = (at: number): Position => {
    const before = text.slice(0, at);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: before.split('\n').length, column: at - lineStart + 1 };
  };
  const fail = (message: string, at = offset): never => {
    throw new JsonSyntaxError(message, positionOf(at));
  };
  const describeNext = (): string => (offset >= text.length ? 'the end of the file' : `'${text[offset]}'`);
  const skipSpace = (): void => {
    while (offset < text.length && ' \t\n\r'.includes(text[offset]!)) offset += 1;
  };
  const expect = (char: string, what: string): void => {
    skipSpace();
    if (text[offset] !== char) fail(`expected ${what}, found ${describeNext()}`);
    offset += 1;
  };

  const readString = (): string => {
    const start = offset;
    offset += 1;
    let value = '';
    for (;;) {
      if (offset >= text.length) fail('a string is not closed with "', start);
      const char = text[offset]!;
      if (char === '"') {
        offset += 1;
        return value;
      }
      if (char < ' ') fail('a string holds a line break or control character; write it as \\n or \\uXXXX');
      if (char === '\\') {
        const escaped = text[offset + 1] ?? '';
        if (escaped === 'u') {
          const hex = text.slice(offset + 2, offset + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('\\u is not followed by four hex digits');
          value += String.fromCharCode(parseInt(hex, 16));
          offset += 6;
        } else {
          if (!(escaped in escapes)) fail(`'\\${escaped}' is not a JSON escape`);
          value += escapes[escaped];
          offset += 2;
        }
      } else {
        value += char;
        offset += 1;
      }
    }
  };

  const readValue = (): LocatedJson => {
    skipSpace();
    const at = positionOf(offset);
    const char = text[offset];
    if (char === '{') return readObject(at);
    if (char === '[') return readArray(at);
    if (char === '"') return { kind: 'string', at, value: readString() };
    for (const [word, node] of [
      ['true', { kind: 'boolean', at, value: true }],
      ['false', { kind: 'boolean', at, value: false }],
      ['null', { kind: 'null', at }],
    ] as const) {
      if (text.startsWith(word, offset)) {
        offset += word.length;
        return node;
      }
    }
    numberPattern.lastIndex = offset;
    const number = numberPattern.exec(text);
    if (number) {
      offset += number[0].length;
      return { kind: 'number', at, value: Number(number[0]) };
    }
    return fail(`expected a value, found ${describeNext()}`);
  };

  const readObject = (at: Position): LocatedJson => {
    offset += 1;
    const members: { key: string; keyAt: Position; value: LocatedJson }[] = [];
    skipSpace();
    if (text[offset] === '}') {
      offset += 1;
      return { kind: 'object', at, members };
    }
    for (;;) {
      skipSpace();
      if (text[offset] === '}' && members.length > 0) fail("a ',' before '}': JSON allows no comma after the last member");
      if (text[offset] !== '"') fail(`expected a key in double quotes, found ${describeNext()}`);
      const keyOffset = offset;
      const key = readString();
      if (members.some((member) => member.key === key)) fail(`"${key}" is written twice in one object; keep one`, keyOffset);
      expect(':', "':' after a key");
      members.push({ key, keyAt: positionOf(keyOffset), value: readValue() });
      skipSpace();
      if (text[offset] === '}') {
        offset += 1;
        return { kind: 'object', at, members };
      }
      expect(',', "',' or '}'");
    }
  };

  const readArray = (at: Position): LocatedJson => {
    offset += 1;
    const items: LocatedJson[] = [];
    skipSpace();
    if (text[offset] === ']') {
      offset += 1;
      return { kind: 'array', at, items };
    }
    for (;;) {
      skipSpace();
      if (text[offset] === ']' && items.length > 0) fail("a ',' before ']': JSON allows no comma after the last item");
      items.push(readValue());
      skipSpace();
      if (text[offset] === ']') {
        offset += 1;
        return { kind: 'array', at, items };
      }
      expect(',', "',' or ']'");
    }
  };

  const value = readValue();
  skipSpace();
  if (offset < text.length) fail(`unexpected ${describeNext()} after the end of the JSON value`);
  return value;
}
