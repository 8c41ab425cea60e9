// Minimal GGUF v3 writer (tests' tiny models, `gth calibrate`'s synthetic models): typed key/values, tensor infos, aligned data.
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'u64'; value: bigint }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'str'; value: string }
  | { type: 'u32[]'; value: number[] }
  | { type: 'str[]'; value: string[] }
  /** A value copied verbatim from another GGUF file: its type id followed by its encoded value. */
  | { type: 'raw'; bytes: Buffer };

export interface GgufTensor {
  name: string;
  dims: number[];
  /** ggml type id; 0 = F32 (4 bytes per element). */
  ggmlType?: number;
  /** The tensor's bytes; zero-filled F32 when absent. */
  data?: Buffer;
}

const ALIGN = 32;
const TYPE_ID = { u32: 4, f32: 6, bool: 7, str: 8, arr: 9, u64: 10 } as const;

class Out {
  private parts: Buffer[] = [];
  size = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }
  u64(n: bigint | number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  f32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.push(b);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(o: Out, v: GgufValue): void {
  switch (v.type) {
    case 'u32': o.u32(TYPE_ID.u32); o.u32(v.value); break;
    case 'u64': o.u32(TYPE_ID.u64); o.u64(v.value); break;
    case 'f32': o.u32(TYPE_ID.f32); o.f32(v.value); break;
    case 'bool': o.u32(TYPE_ID.bool); o.push(Buffer.from([v.value ? 1 : 0])); break;
    case 'str': o.u32(TYPE_ID.str); o.str(v.value); break;
    case 'u32[]': o.u32(TYPE_ID.arr); o.u32(TYPE_ID.u32); o.u64(v.value.length); v.value.forEach((x) => o.u32(x)); break;
    case 'str[]': o.u32(TYPE_ID.arr); o.u32(TYPE_ID.str); o.u64(v.value.length); v.value.forEach((x) => o.str(x)); break;
    case 'raw': o.push(v.bytes); break;
  }
}

/** The header (magic, KV pairs, tensor infos) up to the first tensor's aligned start: one writer for both forms. */
function header(kv: Record<string, GgufValue>, tensors: readonly { name: string; dims: number[]; ggmlType: number; byteLength: number }[]): Out {
  const o = new Out();
  o.push(Buffer.from('GGUF', 'ascii'));
  o.u32(3);
  o.u64(tensors.length);
  o.u64(Object.keys(kv).length);
  for (const [key, value] of Object.entries(kv)) {
    o.str(key);
    writeValue(o, value);
  }
  let offset = 0;
  for (const t of tensors) {
    o.str(t.name);
    o.u32(t.dims.length);
    t.dims.forEach((d) => o.u64(d));
    o.u32(t.ggmlType);
    o.u64(offset);
    offset += Math.ceil(t.byteLength / ALIGN) * ALIGN;
  }
  o.push(Buffer.alloc((ALIGN - (o.size % ALIGN)) % ALIGN));
  return o;
}

/** Builds a GGUF file in memory; tensors without data are F32 and zero-filled. */
export function buildGguf(kv: Record<string, GgufValue>, tensors: GgufTensor[] = []): Buffer {
  const datas = tensors.map((t) => t.data ?? Buffer.alloc(t.dims.reduce((a, b) => a * b, 1) * 4));
  const o = header(kv, tensors.map((t, i) => ({ name: t.name, dims: t.dims, ggmlType: t.ggmlType ?? 0, byteLength: datas[i]!.length })));
  for (const d of datas) {
    o.push(d);
    o.push(Buffer.alloc((ALIGN - (o.size % ALIGN)) % ALIGN));
  }
  return o.bytes();
}

export function writeGguf(path: string, kv: Record<string, GgufValue>, tensors: GgufTensor[] = []): number {
  const buf = buildGguf(kv, tensors);
  writeFileSync(path, buf);
  return buf.length;
}

const T = { U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10 } as const;
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
export const GGML_TYPE = { F32: 0, F16: 1, Q8_0: 8 } as const;

/** Reads a GGUF header: the encoded value (type id + value) of every key in a GGUF header, so entries can be copied verbatim. */
export function readGgufKv(buf: Buffer): { kv: Map<string, Buffer>; vocabSize: number } {
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new Error('not a GGUF file');
  const version = buf.readUInt32LE(4);
  if (version < 2) throw new Error(`GGUF version ${version} is too old`);
  const kvCount = Number(buf.readBigUInt64LE(16));
  let off = 24;
  const str = (): string => {
    const len = Number(buf.readBigUInt64LE(off));
    const s = buf.toString('utf8', off + 8, off + 8 + len);
    off += 8 + len;
    return s;
  };
  const skipValue = (type: number): number => {
    if (type === T.STRING) {
      str();
      return 1;
    }
    if (type === T.ARRAY) {
      const et = buf.readUInt32LE(off);
      const n = Number(buf.readBigUInt64LE(off + 4));
      off += 12;
      if (et === T.STRING) for (let i = 0; i < n; i++) str();
      else off += n * (SCALAR_SIZE[et] ?? 0);
      return n;
    }
    off += SCALAR_SIZE[type] ?? 0;
    return 1;
  };
  const kv = new Map<string, Buffer>();
  let vocabSize = 0;
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    const start = off;
    const type = buf.readUInt32LE(off);
    off += 4;
    const n = skipValue(type);
    if (key === 'tokenizer.ggml.tokens') vocabSize = n;
    kv.set(key, buf.subarray(start, off));
  }
  return { kv, vocabSize };
}


/** A tensor whose bytes are `pattern` repeated up to `byteLength` (random blocks for a synthetic model). */
export interface PatternTensor {
  name: string;
  dims: number[];
  ggmlType: number;
  byteLength: number;
  pattern: Buffer;
}

/** Writes a GGUF straight to disk, tensor by tensor, so multi-GB synthetic models never sit in memory. */
export function writeGgufStream(path: string, kv: Record<string, GgufValue>, tensors: PatternTensor[]): number {
  const head = header(kv, tensors);
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    written += writeSync(fd, head.bytes());
    for (const t of tensors) {
      let left = t.byteLength;
      while (left > 0) {
        const n = Math.min(left, t.pattern.length);
        written += writeSync(fd, t.pattern, 0, n);
        left -= n;
      }
      const padding = (ALIGN - (t.byteLength % ALIGN)) % ALIGN;
      if (padding) written += writeSync(fd, Buffer.alloc(padding));
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
