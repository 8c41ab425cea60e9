// Tests for bead/convoy file text: stable key order, round trips, and errors that name file, place and field.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bead, Convoy, Title, TITLE_MAX, rigPathProblem, type BeadInput } from '../../../src/beads/schema.js';
import {
  BeadFileError,
  locateJsonError,
  parseBeadText,
  parseConvoyText,
  serializeBead,
  serializeConvoy,
} from '../../../src/beads/serialize.js';
import { GthError } from '../../../src/util/errors.js';

const T0 = '2026-01-02T03:04:05.000Z';

function bead(over: Partial<BeadInput> = {}): Bead {
  return Bead.parse({ id: 'ab-7k2f', title: 'Make the jump feel good', createdAt: T0, updatedAt: T0, ...over });
}

function thrown(fn: () => unknown): BeadFileError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BeadFileError);
    expect(err).toBeInstanceOf(GthError);
    return err as BeadFileError;
  }
  throw new Error('expected a BeadFileError');
}

describe('serializeBead', () => {
  it('writes 2-space JSON with a trailing newline and top-level keys in schema order', () => {
    const b = bead({ labels: ['x'], priority: 1 });
    // Shuffle the key order of the input object: the output must not depend on it.
    const shuffled = Object.fromEntries(Object.entries(b).reverse()) as Bead;
    const text = serializeBead(shuffled);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "id": "ab-7k2f",');
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(Bead.shape).filter((k) => k !== 'bd' && k !== 'lifecycle'));
    expect(text).toBe(serializeBead(b));
  });

  it('orders nested objects by their schema and sorts free-form record keys', () => {
    const b = bead({
      dependencies: [{ kind: 'blocks', id: 'ab-0001' } as never],
      assignee: { model: 'qwen', agent: 'polecat-1' } as never,
      history: [{ note: 'n', to: 'open', from: null, by: 'me', at: T0 } as never],
      bd: {
        order: ['id', 'zeta', 'alpha'],
        fields: { zeta: { b: 1, a: 2 }, alpha: 1 },
        dependency_types: { 'ab-2': 'relates-to', 'ab-1': 'relates-to' },
        status: 'hooked',
      },
    });
    const parsed = JSON.parse(serializeBead(b));
    expect(Object.keys(parsed.dependencies[0])).toEqual(['id', 'kind']);
    expect(Object.keys(parsed.assignee)).toEqual(['agent', 'model']);
    expect(Object.keys(parsed.history[0])).toEqual(['at', 'by', 'from', 'to', 'note']);
    expect(Object.keys(parsed.bd)).toEqual(['status', 'dependency_types', 'fields', 'order']);
    expect(Object.keys(parsed.bd.fields)).toEqual(['alpha', 'zeta']);
    expect(Object.keys(parsed.bd.dependency_types)).toEqual(['ab-1', 'ab-2']);
    // Values under bd.fields are bd's own data: their nested key order is kept as it came.
    expect(Object.keys(parsed.bd.fields.zeta)).toEqual(['b', 'a']);
    // Arrays keep their order: bd.order is meaningful.
    expect(parsed.bd.order).toEqual(['id', 'zeta', 'alpha']);
  });

  it('refuses to serialize an invalid bead, naming it and the field', () => {
    const bad = { ...bead(), priority: 9 } as Bead;
    const err = thrown(() => serializeBead(bad));
    expect(err.message).toContain('ab-7k2f');
    expect(err.problems[0]!.path).toBe('priority');
  });

  it('round-trips any valid bead through text unchanged (property)', () => {
    const arbBead = fc
      .record({
        title: fc.string({ minLength: 1, maxLength: TITLE_MAX }).filter((t) => Title.safeParse(t).success),
        description: fc.string(),
        priority: fc.integer({ min: 0, max: 4 }),
        labels: fc.array(fc.string()),
        files: fc.array(fc.string().filter((f) => rigPathProblem(f) === null)),
        pr: fc.option(fc.integer({ min: 1, max: 99999 }), { nil: null }),
        // Values as they can exist in a JSON file (JSON has no -0, so normalise what fast-check generates).
        fields: fc.dictionary(fc.string(), fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown)),
      })
      .map(({ fields, ...rest }) => bead({ ...rest, bd: { fields } }));
    fc.assert(
      fc.property(arbBead, (b) => {
        const text = serializeBead(b);
        const back = parseBeadText(text, 'beads/ab-7k2f.json');
        expect(back).toEqual(b);
        expect(serializeBead(back)).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
});

describe('parseBeadText', () => {
  it('applies schema defaults to a minimal file', () => {
    const b = parseBeadText(
      JSON.stringify({ id: 'ab-1', title: 't', createdAt: T0, updatedAt: T0 }),
      'beads/ab-1.json',
    );
    expect(b.status).toBe('open');
    expect(b.priority).toBe(2);
    expect(b.history).toEqual([]);
  });

  it('accepts a leading byte-order mark', () => {
    const text = `\uFEFF${serializeBead(bead())}`;
    expect(parseBeadText(text, 'f.json').id).toBe('ab-7k2f');
  });

  it('reports a JSON syntax error with file, line, column and enclosing field', () => {
    const text = '{\n  "id": "ab-1",\n  "title": "x",\n  "labels": ["a" "b"]\n}\n';
    const err = thrown(() => parseBeadText(text, 'beads/ab-1.json'));
    expect(err.message).toMatch(/^beads\/ab-1\.json: labels: not valid JSON at line 4, column 18:/);
    expect(err.message).toContain('expected "," or "]"');
  });

  it('reports truncated files (a torn write) as not valid JSON', () => {
    const full = serializeBead(bead());
    const err = thrown(() => parseBeadText(full.slice(0, 40), 'beads/ab-7k2f.json'));
    expect(err.message).toContain('string is never closed');
    expect(err.message).toContain('title: not valid JSON at line 3');
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('reports every schema problem at once with field paths', () => {
    const text = JSON.stringify({
      id: 'not an id',
      title: '',
      status: 'closed',
      priority: 7,
      dependencies: [{ id: 'ab-2', kind: 'relates-to' }],
      createdAt: 'yesterday',
      updatedAt: T0,
      surprise: true,
    });
    const err = thrown(() => parseBeadText(text, 'beads/x.json'));
    const paths = err.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['id', 'title', 'status', 'priority', 'dependencies[0].kind', 'createdAt', '']),
    );
    expect(err.problems.length).toBe(7);
    expect(err.message).toMatch(/^beads\/x\.json: 7 problems:/);
    expect(err.message).toContain('  dependencies[0].kind: ');
    expect(err.message).toContain('surprise');
  });

  it('rejects a file whose top level is not an object', () => {
    const err = thrown(() => parseBeadText('[1,2]', 'beads/a.json'));
    expect(err.problems).toHaveLength(1);
    expect(err.message).toContain('beads/a.json');
  });
});

describe('locateJsonError', () => {
  it.each([
    ['{"a": 1,}', 8, 'a property name'],
    ['{"a" 1}', 5, '":"'],
    ['{"a": tru}', 6, 'a value'],
    ['{"a": "x\ny"}', 8, 'control character'],
    ['{"a": "\\q"}', 7, 'bad escape'],
    ['{"a": 1} x', 9, 'end of input after'],
    ['', 0, 'unexpected end of input'],
    ['{"a": "open', 6, 'never closed'],
  ])('%j fails at offset %i', (text, offset, message) => {
    expect(() => JSON.parse(text)).toThrow();
    const spot = locateJsonError(text);
    expect(spot.offset).toBe(offset);
    expect(spot.message).toContain(message);
  });

  it('agrees with JSON.parse: valid documents raise nothing in the scanner', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v, null, 1);
        // Inserting a stray character must be located at or before where it was inserted.
        const at = Math.floor(text.length / 2);
        const broken = `${text.slice(0, at)}\u0001${text.slice(at)}`;
        expect(() => JSON.parse(broken)).toThrow();
        expect(locateJsonError(broken).offset).toBeLessThanOrEqual(at);
      }),
      { numRuns: 200 },
    );
  });
});

describe('convoys', () => {
  it('serializes in schema order and parses back', () => {
    const c = Convoy.parse({
      updatedAt: T0,
      createdAt: T0,
      beads: ['ab-1', 'ab-2'],
      epic: { issue: 12, repo: 'aerobeat/game' },
      title: 'Rhythm input',
      id: 'cv-1a2b',
    });
    const text = serializeConvoy(c);
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(Convoy.shape).filter((k) => k !== 'lifecycle'));
    expect(text.split('\n')[1]).toBe('  "id": "cv-1a2b",');
    expect(Object.keys(JSON.parse(text).epic)).toEqual(['repo', 'issue']);
    expect(parseConvoyText(text, 'beads/convoys/cv-1a2b.json')).toEqual(c);
  });

  it('names the convoy file and field on a schema error', () => {
    const err = thrown(() => parseConvoyText('{"id":"cv-1","title":"t","beads":[3]}', 'beads/convoys/cv-1.json'));
    expect(err.message).toContain('beads/convoys/cv-1.json');
    expect(err.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['beads[0]', 'createdAt', 'updatedAt']));
  });
});
