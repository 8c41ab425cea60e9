// Parses JUnit XML (as GUT and gdUnit4 write it) into test cases with their failure messages.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type CaseStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface TestCase {
  suite: string;
  name: string;
  classname: string;
  status: CaseStatus;
  /** Failure/error message attribute, or null. */
  message: string | null;
  /** Failure/error body text (often the assertion detail), or null. */
  detail: string | null;
  timeSeconds: number | null;
}

type Node = Record<string, unknown>;

const asArray = (v: unknown): Node[] => (v === undefined || v === null ? [] : Array.isArray(v) ? (v as Node[]) : [v as Node]);

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

function textOf(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'object' && '#text' in (v as Node)) return String((v as Node)['#text']).trim() || null;
  return null;
}

function attr(n: unknown, name: string): string | null {
  if (n === null || typeof n !== 'object') return null;
  const v = (n as Node)[`@_${name}`];
  return v === undefined ? null : String(v);
}

/** Throws with the XML error position when the file is not well-formed. */
export function parseJUnitXml(xml: string, source = 'JUnit XML'): TestCase[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${source}: not well-formed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false, parseTagValue: false, textNodeName: '#text' });
  const doc = parser.parse(xml) as Node;
  const suites: Node[] = [];
  const collect = (n: Node): void => {
    for (const s of asArray(n.testsuite)) {
      suites.push(s);
      collect(s); // nested suites
    }
  };
  if (doc.testsuites) collect(doc.testsuites as Node);
  else if (doc.testsuite) collect(doc);
  else throw new Error(`${source}: no <testsuites> or <testsuite> element`);

  const cases: TestCase[] = [];
  for (const s of suites) {
    const suite = attr(s, 'name') ?? '';
    for (const c of asArray(s.testcase)) {
      // An empty <failure/> parses as "", so test presence, not truthiness.
      const failure = c.failure !== undefined ? first(c.failure) : undefined;
      const error = c.error !== undefined ? first(c.error) : undefined;
      const status: CaseStatus = c.failure !== undefined ? 'failed' : c.error !== undefined ? 'error' : c.skipped !== undefined ? 'skipped' : 'passed';
      const bad = status === 'failed' ? failure : status === 'error' ? error : undefined;
      const time = attr(c, 'time');
      cases.push({
        suite,
        name: attr(c, 'name') ?? '(unnamed)',
        classname: attr(c, 'classname') ?? suite,
        status,
        message: bad !== undefined ? attr(bad, 'message') : null,
        detail: bad !== undefined ? textOf(bad) : null,
        timeSeconds: time === null || Number.isNaN(Number(time)) ? null : Number(time),
      });
    }
  }
  return cases;
}
