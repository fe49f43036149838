import { documentDigest, type NotaryAlgorithm } from '@lianzheng/protocol';

/** Hashes a file in the browser, piece by piece (the file is never uploaded). */
export async function hashFile(
  file: Blob,
  alg: NotaryAlgorithm,
  onProgress: (fraction: number) => void = () => undefined,
): Promise<string> {
  const digest = documentDigest(alg);
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    digest.update(r.value);
    done += r.value.byteLength;
    onProgress(file.size === 0 ? 1 : done / file.size);
  }
  return digest.hex();
}
