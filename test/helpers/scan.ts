/**
 * Looking for plaintext where it must not be: every file under a node's home (blocks and state in LMDB, which stores
 * our binary encoding uncompressed, so a value on disk is there byte for byte), searched for needles.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Needle {
  readonly label: string;
  readonly bytes: Buffer;
}

/** Every regular file under `dir` (a file removed while we look — etcd WAL segments, temporary files — is skipped). */
export function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const p = path.join(dir, name);
    try {
      const s = statSync(p);
      if (s.isDirectory()) return filesUnder(p);
      return s.isFile() ? [p] : [];
    } catch {
      return [];
    }
  });
}

/** Every (file, needle) pair where the file holds the needle's bytes. */
export function hitsIn(files: readonly string[], needles: readonly Needle[]): string[] {
  const hits: string[] = [];
  for (const f of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch {
      continue;
    }
    for (const n of needles) if (n.bytes.length > 0 && bytes.indexOf(n.bytes) >= 0) hits.push(`${f}: ${n.label}`);
  }
  return hits;
}

/** A value's text as it could be stored: UTF-8, and as a JSON string (quoted, escaped). */
export function textNeedles(texts: readonly string[]): Needle[] {
  return texts.flatMap((v) => [
    { label: `plaintext ${v}`, bytes: Buffer.from(v, 'utf8') },
    { label: `plaintext ${v} (JSON)`, bytes: Buffer.from(JSON.stringify(v), 'utf8') },
  ]);
}
