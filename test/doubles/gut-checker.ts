// Stand-in for `godot --headless -s addons/gut/gut_cmdln.gd`: interprets the GDScript subset fixture rigs use, runs GUT tests, writes JUnit XML.
// Godot cannot be installed on this machine. This is a small real interpreter (ints are BigInt so `7 / 2 == 3`,
// typed vars/params coerce int<->float, signals, enums, match, preload/class_name, GUT asserts), not a pattern matcher:
// a wrong implementation fails its tests. Unsupported syntax (await, lambdas, inner classes, $Node) is a parse error.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// ---------------- tokens ----------------
type Tok = { k: 'name' | 'int' | 'float' | 'str' | 'op' | 'nl' | 'indent' | 'dedent' | 'eof'; v: string; line: number };

class GdError extends Error {
  constructor(message: string, readonly file: string, readonly line: number) {
    super(`${file}:${line}: ${message}`);
  }
}

const OPS = ['**=', '->', ':=', '==', '!=', '<=', '>=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '**', '<<', '>>'];

function tokenize(src: string, file: string): Tok[] {
  const out: Tok[] = [];
  const indents = [0];
  let i = 0, line = 1, depth = 0, atLineStart = true;
  const err = (m: string): never => { throw new GdError(`Parse Error: ${m}`, file, line); };
  while (i < src.length) {
    if (atLineStart && depth === 0) {
      let w = 0;
      while (src[i] === ' ' || src[i] === '\t') { w++; i++; }
      if (src[i] === '\n' || src[i] === '\r' || src[i] === '#' || i >= src.length) {
        while (i < src.length && src[i] !== '\n') i++;
        if (src[i] === '\n') { i++; line++; }
        continue;
      }
      atLineStart = false;
      if (w > indents[indents.length - 1]!) { indents.push(w); out.push({ k: 'indent', v: '', line }); }
      while (w < indents[indents.length - 1]!) { indents.pop(); out.push({ k: 'dedent', v: '', line }); }
      if (w !== indents[indents.length - 1]) err('Unindent does not match any outer indentation level.');
    }
    const c = src[i]!;
    if (c === '\n') {
      if (depth === 0) { out.push({ k: 'nl', v: '', line }); atLineStart = true; }
      i++; line++; continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '\\' && src[i + 1] === '\n') { i += 2; line++; continue; }
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '"' || c === "'") {
      const triple = src.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      let j = i + close.length, s = '';
      while (j < src.length && !src.startsWith(close, j)) {
        if (src[j] === '\\') { const e = src[j + 1]!; s += e === 'n' ? '\n' : e === 't' ? '\t' : e; j += 2; continue; }
        if (src[j] === '\n') { if (!triple) err('Unterminated string.'); line++; }
        s += src[j++];
      }
      if (j >= src.length) err('Unterminated string.');
      out.push({ k: 'str', v: s, line }); i = j + close.length; continue;
    }
    const num = /^(0x[0-9a-fA-F_]+|\d[\d_]*(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i, i + 40));
    if (num && !/[A-Za-z_]/.test(src[i - 1] ?? '')) {
      const t = num[0].replace(/_/g, '');
      out.push({ k: /^0x/.test(t) || !/[.eE]/.test(t) ? 'int' : 'float', v: t, line }); i += num[0].length; continue;
    }
    const name = /^@?[A-Za-z_]\w*/.exec(src.slice(i, i + 80));
    if (name) { out.push({ k: 'name', v: name[0], line }); i += name[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i)) ?? c;
    if ('()[]{}'.includes(op)) depth += '([{'.includes(op) ? 1 : -1;
    if (!'+-*/%<>=!()[]{}.,:;&|^~$'.includes(op[0]!)) err(`Unexpected character "${c}".`);
    out.push({ k: 'op', v: op, line }); i += op.length;
  }
  out.push({ k: 'nl', v: '', line });
  while (indents.length > 1) { indents.pop(); out.push({ k: 'dedent', v: '', line }); }
  out.push({ k: 'eof', v: '', line });
  return out;
}

// ---------------- AST + parser ----------------
type Expr =
  | { t: 'lit'; v: Val; line: number } | { t: 'name'; n: string; line: number } | { t: 'self'; line: number }
  | { t: 'attr'; o: Expr; n: string; line: number } | { t: 'call'; f: Expr; args: Expr[]; line: number }
  | { t: 'index'; o: Expr; i: Expr; line: number } | { t: 'un'; op: string; e: Expr; line: number }
  | { t: 'bin'; op: string; l: Expr; r: Expr; line: number } | { t: 'tern'; c: Expr; a: Expr; b: Expr; line: number }
  | { t: 'arr'; items: Expr[]; line: number } | { t: 'dict'; entries: [Expr, Expr][]; line: number };
type Stmt =
  | { t: 'var'; n: string; type: string | null; e: Expr | null; line: number } | { t: 'assign'; op: string; target: Expr; e: Expr; line: number }
  | { t: 'expr'; e: Expr; line: number } | { t: 'if'; branches: { c: Expr; body: Stmt[] }[]; orelse: Stmt[] | null; line: number }
  | { t: 'for'; n: string; e: Expr; body: Stmt[]; line: number } | { t: 'while'; c: Expr; body: Stmt[]; line: number }
  | { t: 'ret'; e: Expr | null; line: number } | { t: 'pass' | 'break' | 'continue'; line: number }
  | { t: 'match'; e: Expr; arms: { pats: (Expr | null)[]; body: Stmt[] }[]; line: number };
interface FuncDecl { name: string; params: { n: string; type: string | null; def: Expr | null }[]; ret: string | null; body: Stmt[]; isStatic: boolean; line: number }
interface ClassDecl { file: string; className: string | null; ext: string | null; consts: Map<string, Expr>; vars: { n: string; type: string | null; e: Expr | null }[]; signals: string[]; funcs: Map<string, FuncDecl> }

const PREC: Record<string, number> = { or: 2, '||': 2, and: 3, '&&': 3, in: 5, '==': 5, '!=': 5, '<': 5, '>': 5, '<=': 5, '>=': 5, '|': 6, '^': 7, '&': 8, '<<': 9, '>>': 9, '+': 10, '-': 10, '*': 11, '/': 11, '%': 11, '**': 13 };
const UNSUPPORTED = new Set(['await', 'yield', 'lambda', 'setget', 'onready', 'export', 'tool', 'remote', 'master', 'puppet']);

class Parser {
  p = 0;
  constructor(readonly toks: Tok[], readonly file: string) {}
  get cur(): Tok { return this.toks[this.p]!; }
  kind(): Tok['k'] { return this.toks[this.p]!.k; }
  err(m: string, tok = this.cur): never { throw new GdError(`Parse Error: ${m}`, this.file, tok.line); }
  is(v: string): boolean { return (this.kind() === 'op' || this.kind() === 'name') && this.cur.v === v; }
  eat(v: string): boolean { if (this.is(v)) { this.p++; return true; } return false; }
  expect(v: string): Tok { if (!this.is(v)) this.err(`Expected "${v}" but found "${this.cur.v || this.kind()}".`); return this.toks[this.p++]!; }
  ident(): string { if (this.kind() !== 'name') this.err(`Expected an identifier, found "${this.cur.v || this.kind()}".`); return this.toks[this.p++]!.v; }
  endStmt(): void { if (this.eat(';') && this.kind() !== 'nl') return; if (this.kind() !== 'nl') this.err(`Expected end of statement, found "${this.cur.v}".`); this.p++; }
  type(): string { let t = this.ident(); if (this.eat('[')) { t += `[${this.type()}]`; this.expect(']'); } return t; }

  classBody(): ClassDecl {
    const c: ClassDecl = { file: this.file, className: null, ext: null, consts: new Map(), vars: [], signals: [], funcs: new Map() };
    while (this.kind() !== 'eof') {
      if (this.kind() === 'nl') { this.p++; continue; }
      const tok = this.cur;
      if (tok.k === 'name' && tok.v.startsWith('@')) {
        this.p++;
        if (this.eat('(')) { let d = 1; while (d > 0 && this.kind() !== 'eof') { if (this.is('(')) d++; if (this.is(')')) d--; this.p++; } }
        continue;
      }
      if (tok.k !== 'name') this.err(`Unexpected "${tok.v || tok.k}" in class body.`);
      if (UNSUPPORTED.has(tok.v)) this.err(`"${tok.v}" is not valid Godot 4 GDScript (or not supported by the gut-checker stand-in).`);
      this.p++;
      if (tok.v === 'extends') { c.ext = this.kind() === 'str' ? this.toks[this.p++]!.v : this.type(); this.endStmt(); }
      else if (tok.v === 'class_name') { c.className = this.ident(); this.endStmt(); }
      else if (tok.v === 'signal') { c.signals.push(this.ident()); if (this.eat('(')) { while (!this.eat(')')) this.p++; } this.endStmt(); }
      else if (tok.v === 'const') { const n = this.ident(); if (this.eat(':')) { if (!this.is('=')) this.type(); } else this.eat(':='); this.eat('='); c.consts.set(n, this.expr()); this.endStmt(); }
      else if (tok.v === 'var' || (tok.v === 'static' && this.is('var'))) { this.eat('var'); c.vars.push(this.varRest(true)); }
      else if (tok.v === 'func' || (tok.v === 'static' && this.is('func'))) { this.eat('func'); const f = this.func(tok.v === 'static'); c.funcs.set(f.name, f); }
      else if (tok.v === 'enum') this.enumDecl(c);
      else if (tok.v === 'class') this.err(`"${tok.v}" declarations are not supported by the gut-checker stand-in.`);
      else this.err(`Unexpected "${tok.v}" in class body.`);
    }
    return c;
  }
  /** `enum Name {A, B = 5}` becomes a Dictionary constant; an unnamed enum adds one constant per value. */
  enumDecl(c: ClassDecl): void {
    const line = this.cur.line; const name = this.kind() === 'name' ? this.ident() : null; const entries: [Expr, Expr][] = [];
    this.expect('{');
    let next = 0n;
    while (!this.eat('}')) {
      const n = this.ident();
      if (this.eat('=')) { const v = this.expr(); if (v.t !== 'lit' || typeof v.v !== 'bigint') this.err('Enum values must be integer literals.'); next = v.v; }
      entries.push([{ t: 'lit', v: n, line }, { t: 'lit', v: next, line }]);
      if (!name) c.consts.set(n, { t: 'lit', v: next, line });
      next++;
      if (!this.is('}')) this.expect(',');
    }
    if (name) c.consts.set(name, { t: 'dict', entries, line });
    this.endStmt();
  }
  /** `match x:` with literal patterns, several per arm, and `_`; no fallthrough, as in Godot 4. */
  matchRest(line: number): Stmt {
    const e = this.expr(); this.expect(':');
    if (this.kind() !== 'nl') this.err('Expected a newline after "match ...:".');
    this.p++;
    if (this.kind() !== 'indent') this.err('Expected an indented block of match patterns.');
    this.p++;
    const arms: { pats: (Expr | null)[]; body: Stmt[] }[] = [];
    while (this.kind() !== 'dedent' && this.kind() !== 'eof') {
      if (this.kind() === 'nl') { this.p++; continue; }
      const pats: (Expr | null)[] = [];
      do pats.push(this.eat('_') ? null : this.binary(2)); while (this.eat(','));
      this.expect(':');
      arms.push({ pats, body: this.suite() });
    }
    this.p++;
    return { t: 'match', e, arms, line };
  }
  varRest(end: boolean): { t: 'var'; n: string; type: string | null; e: Expr | null; line: number } {
    const line = this.cur.line; const n = this.ident(); let type: string | null = null; let e: Expr | null = null;
    if (this.eat(':=')) e = this.expr();
    else { if (this.eat(':')) type = this.type(); if (this.eat('=')) e = this.expr(); }
    if (this.is(':')) this.err('Property getters/setters are not supported by the gut-checker stand-in.');
    if (end) this.endStmt();
    return { t: 'var', n, type, e, line };
  }
  func(isStatic: boolean): FuncDecl {
    const line = this.cur.line; const name = this.ident(); const params: FuncDecl['params'] = [];
    this.expect('(');
    while (!this.eat(')')) {
      const n = this.ident(); let type: string | null = null; let def: Expr | null = null;
      if (this.eat(':=')) def = this.expr(); else { if (this.eat(':')) type = this.type(); if (this.eat('=')) def = this.expr(); }
      params.push({ n, type, def }); if (!this.is(')')) this.expect(',');
    }
    const ret = this.eat('->') ? this.type() : null;
    this.expect(':');
    return { name, params, ret, body: this.suite(), isStatic, line };
  }
  suite(): Stmt[] {
    if (this.kind() !== 'nl') { const s = [this.simple()]; while (this.eat(';') && this.kind() !== 'nl') s.push(this.simple()); if (this.kind() !== 'nl') this.err(`Expected end of statement, found "${this.cur.v}".`); this.p++; return s; }
    this.p++;
    if (this.kind() !== 'indent') this.err('Expected an indented block.');
    this.p++;
    const body: Stmt[] = [];
    while (this.kind() !== 'dedent' && this.kind() !== 'eof') { if (this.kind() === 'nl') { this.p++; continue; } body.push(this.stmt()); }
    this.p++;
    return body;
  }
  stmt(): Stmt {
    const line = this.cur.line;
    if (this.eat('if')) {
      const branches = [{ c: this.expr(), body: (this.expect(':'), this.suite()) }];
      let orelse: Stmt[] | null = null;
      while (this.eat('elif')) branches.push({ c: this.expr(), body: (this.expect(':'), this.suite()) });
      if (this.eat('else')) { this.expect(':'); orelse = this.suite(); }
      return { t: 'if', branches, orelse, line };
    }
    if (this.eat('for')) { const n = this.ident(); if (this.eat(':')) this.type(); this.expect('in'); const e = this.expr(); this.expect(':'); return { t: 'for', n, e, body: this.suite(), line }; }
    if (this.eat('while')) { const c = this.expr(); this.expect(':'); return { t: 'while', c, body: this.suite(), line }; }
    if (this.eat('match')) return this.matchRest(line);
    const s = this.simple();
    this.endStmt();
    return s;
  }
  simple(): Stmt {
    const line = this.cur.line;
    if (this.kind() === 'name' && UNSUPPORTED.has(this.cur.v)) this.err(`"${this.cur.v}" is not valid Godot 4 GDScript (or not supported by the gut-checker stand-in).`);
    if (this.eat('var') || this.eat('const')) return this.varRest(false);
    if (this.eat('pass')) return { t: 'pass', line };
    if (this.eat('break')) return { t: 'break', line };
    if (this.eat('continue')) return { t: 'continue', line };
    if (this.eat('return')) return { t: 'ret', e: this.kind() === 'nl' || this.is(';') ? null : this.expr(), line };
    const e = this.expr();
    for (const op of ['=', '+=', '-=', '*=', '/=', '%=']) if (this.eat(op)) return { t: 'assign', op, target: e, e: this.expr(), line };
    return { t: 'expr', e, line };
  }
  expr(): Expr {
    const a = this.binary(2);
    if (this.is('if')) { const line = this.cur.line; this.p++; const c = this.binary(2); this.expect('else'); return { t: 'tern', c, a, b: this.expr(), line }; }
    return a;
  }
  binary(min: number): Expr {
    let l = this.unary();
    for (;;) {
      const tok = this.cur;
      let op = tok.v;
      if (tok.k === 'name' && op === 'not' && this.toks[this.p + 1]?.v === 'in') op = 'not in';
      if (tok.k === 'name' && op === 'as') { this.p++; this.type(); continue; }
      const prec = PREC[op === 'not in' ? 'in' : op];
      if ((tok.k !== 'op' && tok.k !== 'name') || prec === undefined || prec < min) return l;
      this.p += op === 'not in' ? 2 : 1;
      l = { t: 'bin', op, l, r: this.binary(op === '**' ? prec : prec + 1), line: tok.line };
    }
  }
  unary(): Expr {
    const line = this.cur.line;
    if (this.eat('not') || this.eat('!')) return { t: 'un', op: 'not', e: this.binary(5), line };
    if (this.eat('-')) return { t: 'un', op: '-', e: this.binary(12), line };
    if (this.eat('+')) return this.binary(12);
    return this.postfix(this.primary());
  }
  postfix(e: Expr): Expr {
    for (;;) {
      const line = this.cur.line;
      if (this.eat('.')) e = { t: 'attr', o: e, n: this.ident(), line };
      else if (this.eat('(')) { const args: Expr[] = []; while (!this.eat(')')) { args.push(this.expr()); if (!this.is(')')) this.expect(','); } e = { t: 'call', f: e, args, line }; }
      else if (this.eat('[')) { e = { t: 'index', o: e, i: this.expr(), line }; this.expect(']'); }
      else return e;
    }
  }
  primary(): Expr {
    const tok = this.cur; const line = tok.line; this.p++;
    if (tok.k === 'int') return { t: 'lit', v: BigInt(tok.v), line };
    if (tok.k === 'float') return { t: 'lit', v: Number(tok.v), line };
    if (tok.k === 'str') return { t: 'lit', v: tok.v, line };
    if (tok.k === 'name') {
      if (tok.v === 'true' || tok.v === 'false') return { t: 'lit', v: tok.v === 'true', line };
      if (tok.v === 'null') return { t: 'lit', v: null, line };
      if (tok.v === 'self') return { t: 'self', line };
      if (UNSUPPORTED.has(tok.v) || tok.v === 'func') this.err(`"${tok.v}" is not valid Godot 4 GDScript (or not supported by the gut-checker stand-in).`, tok);
      return { t: 'name', n: tok.v, line };
    }
    if (tok.v === '(') { const e = this.expr(); this.expect(')'); return e; }
    if (tok.v === '[') { const items: Expr[] = []; while (!this.eat(']')) { items.push(this.expr()); if (!this.is(']')) this.expect(','); } return { t: 'arr', items, line }; }
    if (tok.v === '{') {
      const entries: [Expr, Expr][] = [];
      while (!this.eat('}')) { const k = this.expr(); this.expect(':'); entries.push([k, this.expr()]); if (!this.is('}')) this.expect(','); }
      return { t: 'dict', entries, line };
    }
    return this.err(`Unexpected "${tok.v || tok.k}" in expression.`, tok);
  }
}

// ---------------- runtime values ----------------
type Val = null | boolean | bigint | number | string | Val[] | Map<Val, Val> | GdObject | GdClass | GdSignal | Callable;
class GdClass { constructor(readonly decl: ClassDecl, readonly base: GdClass | null, readonly nativeBase: string, readonly path: string) {} consts = new Map<string, Val>(); }
class GdObject { fields = new Map<string, { v: Val; type: string | null }>(); signals = new Map<string, GdSignal>(); watched = false; constructor(readonly cls: GdClass) {} }
class GdSignal { handlers: Callable[] = []; emitted: Val[][] = []; constructor(readonly owner: GdObject, readonly name: string) {} }
class Callable { constructor(readonly obj: GdObject, readonly method: string) {} }

const isNum = (v: Val): v is bigint | number => typeof v === 'bigint' || typeof v === 'number';
function typeName(v: Val): string {
  if (v === null) return 'null'; if (typeof v === 'boolean') return 'bool'; if (typeof v === 'bigint') return 'int'; if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'String'; if (Array.isArray(v)) return 'Array'; if (v instanceof Map) return 'Dictionary';
  if (v instanceof GdObject) return v.cls.decl.className ?? v.cls.nativeBase; if (v instanceof GdSignal) return 'Signal'; if (v instanceof Callable) return 'Callable'; return 'Object';
}
function show(v: Val): string {
  if (v === null) return '<null>'; if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(1) : String(v);
  if (typeof v === 'string') return v; if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  if (v instanceof Map) return `{ ${[...v].map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(', ')} }`;
  return `<${typeName(v)}>`;
}
const repr = (v: Val): string => (typeof v === 'string' ? JSON.stringify(v) : show(v));
function eq(a: Val, b: Val): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => eq(x, b[i]!));
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, x]) => [...b].some(([k2, y]) => eq(k, k2) && eq(x, y)));
  return a === b;
}
const truthy = (v: Val): boolean => !(v === null || v === false || v === 0n || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (v instanceof Map && v.size === 0));
function defaultFor(type: string | null): Val {
  if (type === 'int') return 0n; if (type === 'float') return 0; if (type === 'bool') return false; if (type === 'String') return '';
  if (type?.startsWith('Array')) return []; if (type === 'Dictionary') return new Map(); return null;
}
function coerce(v: Val, type: string | null): Val {
  if (type === 'float' && typeof v === 'bigint') return Number(v);
  if (type === 'int' && typeof v === 'number') return BigInt(Math.trunc(v));
  return v;
}

// ---------------- interpreter ----------------
class Flow { constructor(readonly kind: 'ret' | 'break' | 'continue', readonly v: Val = null) {} }
type Scope = Map<string, { v: Val; type: string | null }>;
interface Frame { self: GdObject | null; cls: GdClass; scopes: Scope[] }
export interface AssertLog { count: number; failures: string[]; pending: string | null }

export class Runtime {
  classes = new Map<string, GdClass>(); globals = new Map<string, string>(); steps = 0; log: AssertLog = { count: 0, failures: [], pending: null };
  file = ''; line = 0;
  constructor(readonly root: string, readonly maxSteps = 1_000_000) {
    for (const f of walk(root, (p) => p.endsWith('.gd'))) {
      const m = /^class_name\s+(\w+)/m.exec(readFileSync(f, 'utf8'));
      if (m) this.globals.set(m[1]!, f);
    }
  }
  err(m: string): never { throw new GdError(m, this.file, this.line); }
  load(path: string): GdClass {
    const abs = path.startsWith('res://') ? join(this.root, path.slice(6)) : path;
    const hit = this.classes.get(abs); if (hit) return hit;
    if (!existsSync(abs)) this.err(`Could not preload resource file "${path}".`);
    const rel = `res://${relative(this.root, abs).split('\\').join('/')}`;
    const toks = tokenize(readFileSync(abs, 'utf8'), rel);
    const decl = new Parser(toks, rel).classBody();
    let base: GdClass | null = null; let nativeBase = decl.ext ?? 'RefCounted';
    if (decl.ext && (decl.ext.endsWith('.gd') || this.globals.has(decl.ext))) { base = decl.ext.endsWith('.gd') ? this.load(decl.ext) : this.load(this.globals.get(decl.ext)!); nativeBase = base.nativeBase; }
    const cls = new GdClass(decl, base, nativeBase, rel);
    this.classes.set(abs, cls);
    // Like Godot, a script fails to load when a global class it names fails to compile.
    for (const t of toks) if (t.k === 'name' && this.globals.has(t.v) && this.globals.get(t.v) !== abs) this.load(this.globals.get(t.v)!);
    for (const [n, e] of decl.consts) cls.consts.set(n, this.eval(e, { self: null, cls, scopes: [] }));
    return cls;
  }
  findFunc(cls: GdClass | null, n: string): [FuncDecl, GdClass] | null { for (let c = cls; c; c = c.base) { const f = c.decl.funcs.get(n); if (f) return [f, c]; } return null; }
  instantiate(cls: GdClass, args: Val[]): GdObject {
    const obj = new GdObject(cls);
    const chain: GdClass[] = []; for (let c: GdClass | null = cls; c; c = c.base) chain.unshift(c);
    for (const c of chain) {
      for (const s of c.decl.signals) obj.signals.set(s, new GdSignal(obj, s));
      for (const v of c.decl.vars) obj.fields.set(v.n, { v: coerce(v.e ? this.eval(v.e, { self: obj, cls: c, scopes: [] }) : defaultFor(v.type), v.type), type: v.type });
    }
    if (this.findFunc(cls, '_init')) this.callMethod(obj, '_init', args);
    return obj;
  }
  callMethod(obj: GdObject, n: string, args: Val[]): Val {
    const found = this.findFunc(obj.cls, n);
    if (!found) return this.native(obj, n, args);
    return this.invoke(found[0], found[1], obj, args);
  }
  invoke(f: FuncDecl, cls: GdClass, self: GdObject | null, args: Val[]): Val {
    const required = f.params.filter((p) => !p.def).length;
    if (args.length < required || args.length > f.params.length) this.err(`Invalid call to function '${f.name}'. Expected ${required === f.params.length ? required : `${required}-${f.params.length}`} argument(s), got ${args.length}.`);
    const [saveFile, saveLine] = [this.file, this.line];
    const frame: Frame = { self, cls, scopes: [new Map()] };
    this.file = cls.path;
    f.params.forEach((p, i) => frame.scopes[0]!.set(p.n, { v: coerce(i < args.length ? args[i]! : this.eval(p.def!, frame), p.type), type: p.type }));
    const r = this.block(f.body, frame);
    [this.file, this.line] = [saveFile, saveLine];
    return coerce(r instanceof Flow && r.kind === 'ret' ? r.v : null, f.ret);
  }
  block(body: Stmt[], fr: Frame): Flow | undefined {
    fr.scopes.push(new Map());
    try { for (const s of body) { const r = this.exec(s, fr); if (r) return r; } return undefined; } finally { fr.scopes.pop(); }
  }
  exec(s: Stmt, fr: Frame): Flow | undefined {
    this.line = s.line;
    if (++this.steps > this.maxSteps) this.err('Step limit exceeded (infinite loop?).');
    switch (s.t) {
      case 'var': fr.scopes[fr.scopes.length - 1]!.set(s.n, { v: coerce(s.e ? this.eval(s.e, fr) : defaultFor(s.type), s.type), type: s.type }); return;
      case 'expr': this.eval(s.e, fr); return;
      case 'pass': return;
      case 'break': case 'continue': return new Flow(s.t);
      case 'ret': return new Flow('ret', s.e ? this.eval(s.e, fr) : null);
      case 'assign': {
        const v = s.op === '=' ? this.eval(s.e, fr) : this.binop(s.op[0]!, this.eval(s.target, fr), this.eval(s.e, fr));
        this.store(s.target, v, fr); return;
      }
      case 'if': {
        for (const b of s.branches) if (truthy(this.eval(b.c, fr))) return this.block(b.body, fr);
        return s.orelse ? this.block(s.orelse, fr) : undefined;
      }
      case 'match': {
        const v = this.eval(s.e, fr);
        for (const arm of s.arms) if (arm.pats.some((p) => p === null || eq(this.eval(p, fr), v))) return this.block(arm.body, fr);
        return;
      }
      case 'while': while (truthy(this.eval(s.c, fr))) { const r = this.block(s.body, fr); if (r?.kind === 'break') break; if (r?.kind === 'ret') return r; } return;
      case 'for': {
        const it = this.eval(s.e, fr);
        const items: Val[] = Array.isArray(it) ? [...it] : it instanceof Map ? [...it.keys()] : typeof it === 'bigint' ? range([it]) : typeof it === 'string' ? [...it] : this.err(`Unable to iterate on value of type ${typeName(it)}.`);
        for (const x of items) {
          fr.scopes.push(new Map([[s.n, { v: x, type: null }]]));
          const r = this.block(s.body, fr); fr.scopes.pop();
          if (r?.kind === 'break') break; if (r?.kind === 'ret') return r;
        }
        return;
      }
    }
  }
  lookupVar(n: string, fr: Frame): { v: Val; type: string | null } | undefined {
    for (let i = fr.scopes.length - 1; i >= 0; i--) { const x = fr.scopes[i]!.get(n); if (x) return x; }
    return fr.self?.fields.get(n);
  }
  store(target: Expr, v: Val, fr: Frame): void {
    if (target.t === 'name') { const slot = this.lookupVar(target.n, fr); if (!slot) this.err(`Identifier "${target.n}" not declared in the current scope.`); slot.v = coerce(v, slot.type); return; }
    if (target.t === 'attr') {
      const o = this.eval(target.o, fr);
      if (!(o instanceof GdObject)) this.err(`Invalid assignment of property '${target.n}' on a base object of type '${typeName(o)}'.`);
      const slot = o.fields.get(target.n); if (!slot) this.err(`Invalid assignment of property or key '${target.n}' on a base object of type '${typeName(o)}'.`);
      slot.v = coerce(v, slot.type); return;
    }
    if (target.t === 'index') {
      const o = this.eval(target.o, fr); const i = this.eval(target.i, fr);
      if (Array.isArray(o)) { const k = this.idx(o, i); o[k] = v; return; }
      if (o instanceof Map) { const key = [...o.keys()].find((k) => eq(k, i)); o.set(key === undefined ? i : key, v); return; }
    }
    this.err('Invalid assignment target.');
  }
  idx(a: Val[], i: Val): number {
    if (typeof i !== 'bigint') this.err(`Invalid index type '${typeName(i)}' for a base of type 'Array'.`);
    const k = Number(i < 0n ? BigInt(a.length) + i : i);
    if (k < 0 || k >= a.length) this.err(`Out of bounds get index '${i}' (on base: 'Array')`);
    return k;
  }
  eval(e: Expr, fr: Frame): Val {
    switch (e.t) {
      case 'lit': return e.v;
      case 'self': return fr.self;
      case 'arr': return e.items.map((x) => this.eval(x, fr));
      case 'dict': return new Map(e.entries.map(([k, v]) => [this.eval(k, fr), this.eval(v, fr)]));
      case 'tern': return truthy(this.eval(e.c, fr)) ? this.eval(e.a, fr) : this.eval(e.b, fr);
      case 'un': { const v = this.eval(e.e, fr); if (e.op === 'not') return !truthy(v); if (!isNum(v)) this.err(`Invalid operand of type '${typeName(v)}' for unary operator '-'.`); return -v; }
      case 'bin': {
        if (e.op === 'and' || e.op === '&&') return truthy(this.eval(e.l, fr)) && truthy(this.eval(e.r, fr));
        if (e.op === 'or' || e.op === '||') return truthy(this.eval(e.l, fr)) || truthy(this.eval(e.r, fr));
        this.line = e.line;
        return this.binop(e.op, this.eval(e.l, fr), this.eval(e.r, fr));
      }
      case 'index': {
        const o = this.eval(e.o, fr); const i = this.eval(e.i, fr);
        if (Array.isArray(o)) return o[this.idx(o, i)]!;
        if (o instanceof Map) { for (const [k, v] of o) if (eq(k, i)) return v; this.err(`Invalid access to key ${repr(i)} on a base object of type 'Dictionary'.`); }
        if (typeof o === 'string' && typeof i === 'bigint') return o[Number(i)] ?? this.err(`Out of bounds get index '${i}' (on base: 'String')`);
        return this.err(`Invalid index on a base of type '${typeName(o)}'.`);
      }
      case 'name': {
        const slot = this.lookupVar(e.n, fr); if (slot) return slot.v;
        for (let c: GdClass | null = fr.cls; c; c = c.base) if (c.consts.has(e.n)) return c.consts.get(e.n)!;
        if (fr.self?.signals.has(e.n)) return fr.self.signals.get(e.n)!;
        if (fr.self && this.findFunc(fr.self.cls, e.n)) return new Callable(fr.self, e.n);
        if (this.globals.has(e.n)) return this.load(this.globals.get(e.n)!);
        const k = CONSTANTS[e.n]; if (k !== undefined) return k;
        this.line = e.line; return this.err(`Identifier "${e.n}" not declared in the current scope.`);
      }
      case 'attr': {
        const o = this.eval(e.o, fr); this.line = e.line;
        if (o instanceof GdObject) {
          const f = o.fields.get(e.n); if (f) return f.v;
          const s = o.signals.get(e.n); if (s) return s;
          if (this.findFunc(o.cls, e.n)) return new Callable(o, e.n);
        }
        if (o instanceof GdClass && o.consts.has(e.n)) return o.consts.get(e.n)!;
        if (o instanceof Map && o.has(e.n)) return o.get(e.n)!;
        return this.err(`Invalid access to property or key '${e.n}' on a base object of type '${typeName(o)}'.`);
      }
      case 'call': return this.call(e, fr);
    }
  }
  call(e: Extract<Expr, { t: 'call' }>, fr: Frame): Val {
    const args = e.args.map((a) => this.eval(a, fr)); this.line = e.line;
    if (e.f.t === 'name') {
      const n = e.f.n;
      if (this.lookupVar(n, fr)) return this.callValue(this.eval(e.f, fr), args);
      if (fr.self && this.findFunc(fr.self.cls, n)) return this.callMethod(fr.self, n, args);
      const st = this.findFunc(fr.cls, n); if (st?.[0].isStatic) return this.invoke(st[0], st[1], null, args);
      if (n === 'preload' || n === 'load') return this.load(String(args[0]));
      const b = BUILTINS[n]; if (b) return b(args, this);
      if (fr.self) return this.native(fr.self, n, args);
      return this.err(`Function "${n}()" not found in base self.`);
    }
    if (e.f.t === 'attr') {
      const o = this.eval(e.f.o, fr); const n = e.f.n; this.line = e.line;
      if (o instanceof GdObject) return this.callMethod(o, n, args);
      if (o instanceof GdClass) {
        if (n === 'new') return this.instantiate(o, args);
        const st = this.findFunc(o, n); if (st?.[0].isStatic) return this.invoke(st[0], st[1], null, args);
        return this.err(`Static function "${n}()" not found in base "${o.decl.className ?? o.path}".`);
      }
      return this.valueMethod(o, n, args);
    }
    return this.callValue(this.eval(e.f, fr), args);
  }
  callValue(f: Val, args: Val[]): Val { if (f instanceof Callable) return this.callMethod(f.obj, f.method, args); return this.err(`Value of type '${typeName(f)}' is not callable.`); }
  native(obj: GdObject, n: string, args: Val[]): Val {
    if (n === 'emit_signal') { const s = obj.signals.get(String(args[0])) ?? this.err(`Signal "${String(args[0])}" does not exist.`); return this.valueMethod(s, 'emit', args.slice(1)); }
    if (n === 'has_method') return this.findFunc(obj.cls, String(args[0])) !== null;
    if (n === 'get_class') return obj.cls.nativeBase;
    if (n === 'free' || n === 'queue_free') return null;
    if (obj.cls.nativeBase === 'GutTest') return gutNative(this, obj, n, args);
    return this.err(`Invalid call. Nonexistent function '${n}' in base '${typeName(obj)}'.`);
  }
  valueMethod(o: Val, n: string, args: Val[]): Val {
    const a0 = args[0] ?? null;
    if (o instanceof GdSignal) {
      if (n === 'connect') { if (!(a0 instanceof Callable)) this.err('Signal.connect() expects a Callable.'); o.handlers.push(a0); return 0n; }
      if (n === 'disconnect') { o.handlers = o.handlers.filter((h) => !(a0 instanceof Callable && h.obj === a0.obj && h.method === a0.method)); return null; }
      if (n === 'is_connected') return o.handlers.some((h) => a0 instanceof Callable && h.obj === a0.obj && h.method === a0.method);
      if (n === 'emit') { o.emitted.push(args); for (const h of [...o.handlers]) this.callMethod(h.obj, h.method, args); return null; }
    }
    if (o instanceof Callable && n === 'call') return this.callMethod(o.obj, o.method, args);
    if (Array.isArray(o)) {
      const m: Record<string, () => Val> = {
        size: () => BigInt(o.length), is_empty: () => o.length === 0, append: () => (o.push(a0), null), push_back: () => (o.push(a0), null),
        pop_back: () => o.pop() ?? null, pop_front: () => o.shift() ?? null, front: () => o[0] ?? null, back: () => o[o.length - 1] ?? null,
        clear: () => (o.splice(0), null), has: () => o.some((x) => eq(x, a0)), find: () => BigInt(o.findIndex((x) => eq(x, a0))),
        erase: () => { const k = o.findIndex((x) => eq(x, a0)); if (k >= 0) o.splice(k, 1); return null; }, duplicate: () => [...o],
        count: () => BigInt(o.filter((x) => eq(x, a0)).length), insert: () => (o.splice(Number(a0), 0, args[1] ?? null), null),
      };
      if (m[n]) return m[n]!();
    }
    if (o instanceof Map) {
      const key = (): Val | undefined => [...o.keys()].find((k) => eq(k, a0));
      const m: Record<string, () => Val> = {
        size: () => BigInt(o.size), is_empty: () => o.size === 0, has: () => key() !== undefined, keys: () => [...o.keys()], values: () => [...o.values()],
        get: () => { const k = key(); return k === undefined ? (args[1] ?? null) : o.get(k)!; }, erase: () => { const k = key(); return k !== undefined && o.delete(k); },
        clear: () => (o.clear(), null), duplicate: () => new Map(o),
      };
      if (m[n]) return m[n]!();
    }
    if (typeof o === 'string') {
      const s = String(a0);
      const m: Record<string, () => Val> = {
        length: () => BigInt(o.length), is_empty: () => o === '', to_upper: () => o.toUpperCase(), to_lower: () => o.toLowerCase(),
        begins_with: () => o.startsWith(s), ends_with: () => o.endsWith(s), contains: () => o.includes(s), strip_edges: () => o.trim(),
        split: () => o.split(s), to_int: () => BigInt(parseInt(o, 10) || 0), to_float: () => parseFloat(o) || 0,
      };
      if (m[n]) return m[n]!();
    }
    return this.err(`Invalid call. Nonexistent function '${n}' in base '${typeName(o)}'.`);
  }
  binop(op: string, a: Val, b: Val): Val {
    if (op === '==') return eq(a, b);
    if (op === '!=') return !eq(a, b);
    if (op === 'in' || op === 'not in') {
      const r = Array.isArray(b) ? b.some((x) => eq(x, a)) : b instanceof Map ? [...b.keys()].some((k) => eq(k, a)) : typeof b === 'string' && typeof a === 'string' ? b.includes(a) : this.err(`Invalid operands for operator 'in'.`);
      return op === 'in' ? r : !r;
    }
    if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
    if (op === '+' && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    if (typeof a === 'string' && typeof b === 'string' && ['<', '>', '<=', '>='].includes(op)) return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    if (!isNum(a) || !isNum(b)) return this.err(`Invalid operands '${typeName(a)}' and '${typeName(b)}' in operator '${op}'.`);
    if (['<', '>', '<=', '>='].includes(op)) return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    if (typeof a === 'bigint' && typeof b === 'bigint') {
      if ((op === '/' || op === '%') && b === 0n) this.err(`Division by zero error in operator '${op}'.`);
      switch (op) { case '+': return a + b; case '-': return a - b; case '*': return a * b; case '/': return a / b; case '%': return a % b; case '**': return a ** b; case '&': return a & b; case '|': return a | b; case '^': return a ^ b; case '<<': return a << b; case '>>': return a >> b; }
    }
    const x = Number(a), y = Number(b);
    switch (op) { case '+': return x + y; case '-': return x - y; case '*': return x * y; case '/': return x / y; case '**': return x ** y; }
    return this.err(`Invalid operands '${typeName(a)}' and '${typeName(b)}' in operator '${op}'.`);
  }
}

function range(args: Val[]): bigint[] {
  const n = args.map((a) => BigInt(Math.trunc(Number(a))));
  const [start, end, step] = n.length === 1 ? [0n, n[0]!, 1n] : [n[0]!, n[1]!, n[2] ?? 1n];
  const out: bigint[] = [];
  if (step === 0n) return out;
  for (let i = start; step > 0n ? i < end : i > end; i += step) out.push(i);
  return out;
}
const num = (v: Val | undefined): number => Number(v as number);
const asInt = (v: number): bigint => BigInt(Math.trunc(v));
const CONSTANTS: Record<string, Val> = { PI: Math.PI, TAU: Math.PI * 2, INF: Infinity, NAN: NaN };
const BUILTINS: Record<string, (a: Val[], rt: Runtime) => Val> = {
  range: (a) => range(a), len: (a) => { const v = a[0]!; return BigInt(Array.isArray(v) ? v.length : v instanceof Map ? v.size : String(v).length); },
  print: (a) => (console.log(a.map(show).join('')), null), str: (a) => a.map(show).join(''),
  int: (a) => (typeof a[0] === 'string' ? BigInt(parseInt(a[0], 10) || 0) : typeof a[0] === 'boolean' ? BigInt(a[0] ? 1 : 0) : asInt(num(a[0]))),
  float: (a) => (typeof a[0] === 'string' ? parseFloat(a[0]) || 0 : num(a[0])),
  abs: (a) => (typeof a[0] === 'bigint' ? (a[0] < 0n ? -a[0] : a[0]) : Math.abs(num(a[0]))), absf: (a) => Math.abs(num(a[0])), absi: (a) => asInt(Math.abs(num(a[0]))),
  mini: (a) => asInt(Math.min(...a.map(num))), maxi: (a) => asInt(Math.max(...a.map(num))), minf: (a) => Math.min(...a.map(num)), maxf: (a) => Math.max(...a.map(num)),
  min: (a) => a.reduce((m, x) => (num(x) < num(m) ? x : m)), max: (a) => a.reduce((m, x) => (num(x) > num(m) ? x : m)),
  clampi: (a) => asInt(Math.min(Math.max(num(a[0]), num(a[1])), num(a[2]))), clampf: (a) => Math.min(Math.max(num(a[0]), num(a[1])), num(a[2])),
  clamp: (a) => (num(a[0]) < num(a[1]) ? a[1]! : num(a[0]) > num(a[2]) ? a[2]! : a[0]!),
  floor: (a) => Math.floor(num(a[0])), ceil: (a) => Math.ceil(num(a[0])), round: (a) => Math.round(num(a[0])), floori: (a) => asInt(Math.floor(num(a[0]))), roundi: (a) => asInt(Math.round(num(a[0]))),
  sqrt: (a) => Math.sqrt(num(a[0])), pow: (a) => num(a[0]) ** num(a[1]), sign: (a) => (typeof a[0] === 'bigint' ? BigInt(Math.sign(num(a[0]))) : Math.sign(num(a[0]))),
  is_equal_approx: (a) => Math.abs(num(a[0]) - num(a[1])) <= 1e-5 * Math.max(1, Math.abs(num(a[0]))), snapped: (a) => Math.round(num(a[0]) / num(a[1])) * num(a[1]),
  typeof: (a) => BigInt(['null', 'bool', 'int', 'float', 'String'].indexOf(typeName(a[0]!))),
};

// ---------------- GUT asserts ----------------
function gutNative(rt: Runtime, obj: GdObject, n: string, a: Val[]): Val {
  const log = rt.log; const msg = (i: number): string => (a[i] !== undefined ? `:  ${show(a[i]!)}` : ':  ');
  const check = (ok: boolean, text: string): null => { log.count++; if (!ok) log.failures.push(`[Failed]:  ${text}\n      at line ${rt.line}`); return null; };
  const sig = (): GdSignal => { const o = a[0]; if (!(o instanceof GdObject) || !o.watched) rt.err('You must call watch_signals(object) before asserting on its signals.'); return o.signals.get(String(a[1])) ?? rt.err(`Signal "${String(a[1])}" does not exist on the watched object.`); };
  switch (n) {
    case 'assert_eq': return check(eq(a[0]!, a[1]!), `[${repr(a[0]!)}] expected to equal [${repr(a[1]!)}]${msg(2)}`);
    case 'assert_ne': return check(!eq(a[0]!, a[1]!), `[${repr(a[0]!)}] expected to not equal [${repr(a[1]!)}]${msg(2)}`);
    case 'assert_true': return check(a[0] === true, `Expected [${repr(a[0]!)}] to be true${msg(1)}`);
    case 'assert_false': return check(a[0] === false, `Expected [${repr(a[0]!)}] to be false${msg(1)}`);
    case 'assert_null': return check(a[0] === null, `Expected [${repr(a[0]!)}] to be null${msg(1)}`);
    case 'assert_not_null': return check(a[0] !== null, `Expected [${repr(a[0]!)}] to be anything but NULL${msg(1)}`);
    case 'assert_gt': return check(num(a[0]) > num(a[1]), `[${repr(a[0]!)}] expected to be > than [${repr(a[1]!)}]${msg(2)}`);
    case 'assert_lt': return check(num(a[0]) < num(a[1]), `[${repr(a[0]!)}] expected to be < than [${repr(a[1]!)}]${msg(2)}`);
    case 'assert_between': return check(num(a[0]) >= num(a[1]) && num(a[0]) <= num(a[2]), `[${repr(a[0]!)}] expected to be between [${repr(a[1]!)}] and [${repr(a[2]!)}]${msg(3)}`);
    case 'assert_almost_eq': return check(Math.abs(num(a[0]) - num(a[1])) <= num(a[2]), `[${repr(a[0]!)}] expected to equal [${repr(a[1]!)}] +/- [${repr(a[2]!)}]${msg(3)}`);
    case 'assert_has': return check(truthy(rt.binop('in', a[1]!, a[0]!)), `Expected [${repr(a[0]!)}] to contain value:  [${repr(a[1]!)}]${msg(2)}`);
    case 'assert_does_not_have': return check(!truthy(rt.binop('in', a[1]!, a[0]!)), `Expected [${repr(a[0]!)}] to NOT contain value:  [${repr(a[1]!)}]${msg(2)}`);
    case 'pass_test': return check(true, '');
    case 'fail_test': return check(false, show(a[0] ?? ''));
    case 'pending': log.pending = show(a[0] ?? 'pending'); return null;
    case 'watch_signals': { const o = a[0]; if (o instanceof GdObject) { o.watched = true; for (const s of o.signals.values()) s.emitted = []; } return null; }
    case 'assert_signal_emitted': return check(sig().emitted.length > 0, `Expected object to have emitted signal [${show(a[1]!)}]${msg(2)}`);
    case 'assert_signal_not_emitted': return check(sig().emitted.length === 0, `Expected object to NOT emit signal [${show(a[1]!)}]${msg(2)}`);
    case 'assert_signal_emit_count': { const c = sig().emitted.length; return check(BigInt(c) === a[2], `Expected the signal [${show(a[1]!)}] emit count of [${c}] to equal [${show(a[2]!)}]${msg(3)}`); }
    case 'assert_signal_emitted_with_parameters': { const e = sig().emitted; const last = e[e.length - 1] ?? null; return check(last !== null && eq(last, a[2]!), `Expected object to emit signal [${show(a[1]!)}] with parameters ${show(a[2]!)}, got ${last ? show(last) : 'no emission'}${msg(3)}`); }
  }
  return rt.err(`Invalid call. Nonexistent function '${n}' in base '${typeName(obj)}'.`);
}

// ---------------- GUT command line ----------------
function walk(dir: string, keep: (p: string) => boolean, recurse = true): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'addons') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (recurse) out.push(...walk(p, keep)); } else if (keep(p)) out.push(p);
  }
  return out;
}
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface CaseResult { name: string; status: 'pass' | 'fail' | 'error' | 'pending'; assertions: number; message: string; detail: string; time: number }

export function runGut(argv: string[], cwd: string, print: (line: string) => void = (l) => console.log(l)): number {
  const opt = new Map<string, string>(); let root = cwd;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--path') root = join(cwd, argv[++i] ?? '.');
    else if (a.startsWith('-g')) { const [k, ...v] = a.slice(2).split('='); opt.set(k!, v.join('=')); }
  }
  if (!existsSync(join(root, 'project.godot'))) { print(`ERROR: no project.godot in ${root}: not a Godot project`); return 1; }
  const res = (p: string): string => (p.startsWith('res://') ? join(root, p.slice(6)) : join(root, p));
  const prefix = opt.get('prefix') ?? 'test_'; const suffix = opt.get('suffix') ?? '.gd';
  const dirs = (opt.get('dir') ?? 'res://test').split(',').filter(Boolean).map(res);
  const files = dirs.flatMap((d) => walk(d, (p) => { const b = p.slice(p.lastIndexOf('/') + 1); return b.startsWith(prefix) && b.endsWith(suffix); }, opt.has('include_subdirs')));
  const rt = new Runtime(root);
  const suites: { name: string; cases: CaseResult[] }[] = [];
  for (const file of files) {
    const name = `res://${relative(root, file).split('\\').join('/')}`;
    const cases: CaseResult[] = [];
    suites.push({ name, cases });
    let cls: GdClass; let obj: GdObject;
    try {
      cls = rt.load(file);
      if (cls.nativeBase !== 'GutTest') { print(`Ignoring ${name}: does not extend GutTest`); continue; }
      obj = rt.instantiate(cls, []);
      if (rt.findFunc(cls, 'before_all')) rt.callMethod(obj, 'before_all', []);
    } catch (err) {
      cases.push({ name: '(script)', status: 'error', assertions: 0, message: 'script error', detail: (err as Error).message, time: 0 });
      print(`${name}\n  [ERROR] ${(err as Error).message}`);
      continue;
    }
    print(name);
    const tests = [...cls.decl.funcs.keys()].filter((n) => n.startsWith(opt.get('unit_test_name') ?? 'test'));
    for (const t of tests) {
      if (opt.get('test') && !t.includes(opt.get('test')!)) continue;
      rt.log = { count: 0, failures: [], pending: null }; rt.steps = 0;
      const started = performance.now(); let error: string | null = null;
      try {
        if (rt.findFunc(cls, 'before_each')) rt.callMethod(obj, 'before_each', []);
        rt.callMethod(obj, t, []);
        if (rt.findFunc(cls, 'after_each')) rt.callMethod(obj, 'after_each', []);
      } catch (err) { error = err instanceof GdError ? err.message : `internal checker error: ${(err as Error).message}`; }
      const time = (performance.now() - started) / 1000; const log = rt.log;
      const c: CaseResult = error ? { name: t, status: 'error', assertions: log.count, message: 'Runtime error', detail: error, time }
        : log.failures.length > 0 ? { name: t, status: 'fail', assertions: log.count, message: 'failed', detail: log.failures.join('\n'), time }
        : log.pending !== null ? { name: t, status: 'pending', assertions: log.count, message: log.pending, detail: '', time }
        : { name: t, status: 'pass', assertions: log.count, message: '', detail: '', time };
      cases.push(c);
      print(`  * ${t}${c.status === 'pass' ? '' : `  [${c.status.toUpperCase()}]`}${c.detail ? `\n    ${c.detail.split('\n').join('\n    ')}` : ''}`);
    }
    try { if (rt.findFunc(cls, 'after_all')) rt.callMethod(obj, 'after_all', []); } catch { /* reported by tests */ }
  }
  const all = suites.flatMap((s) => s.cases);
  const failed = all.filter((c) => c.status === 'fail' || c.status === 'error').length;
  const xmlFile = opt.get('junit_xml_file');
  if (xmlFile) {
    const body = suites.map((s) => {
      const f = s.cases.filter((c) => c.status === 'fail' || c.status === 'error').length; const sk = s.cases.filter((c) => c.status === 'pending').length;
      const cs = s.cases.map((c) => {
        const inner = c.status === 'fail' ? `<failure message="${esc(c.message)}">${esc(c.detail)}</failure>` : c.status === 'error' ? `<error message="${esc(c.message)}">${esc(c.detail)}</error>` : c.status === 'pending' ? `<skipped message="${esc(c.message)}"/>` : '';
        return `    <testcase name="${esc(c.name)}" assertions="${c.assertions}" status="${c.status}" classname="${esc(s.name)}" time="${c.time.toFixed(3)}">${inner}</testcase>`;
      });
      return `  <testsuite name="${esc(s.name)}" tests="${s.cases.length}" failures="${f}" skipped="${sk}">\n${cs.join('\n')}\n  </testsuite>`;
    });
    const out = res(xmlFile); mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="GutTests" failures="${failed}" tests="${all.length}">\n${body.join('\n')}\n</testsuites>\n`);
  }
  print(`\nTotals\n  Scripts ${suites.length}\n  Tests ${all.length}\n  Passing ${all.filter((c) => c.status === 'pass').length}\n  Failing ${failed}\n  Pending ${all.filter((c) => c.status === 'pending').length}`);
  print(failed === 0 && all.length > 0 ? '---- All tests passed! ----' : '---- Some tests failed ----');
  return failed === 0 && all.length > 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) process.exitCode = runGut(process.argv.slice(2), process.cwd());
