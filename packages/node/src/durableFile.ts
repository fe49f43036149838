/**
 * Files that survive a crash whole or not at all: written to a temporary file in the same directory (mode 0600, the
 * exact mode whatever the umask), fsynced, renamed over the target, and the directory fsynced. A crash leaves the old
 * file or the new one, plus at most a temporary file whose name ends in `tmpSuffix` for the owner to clean up. Errors
 * are Node's own (the callers turn them into their coded errors).
 */
import crypto from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** fsync of a directory (after a rename or unlink in it); nothing to do on Windows. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export async function writeFileDurably(
  file: string,
  text: string,
  opts: { readonly tmpSuffix?: string; readonly createDir?: boolean } = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}${opts.tmpSuffix ?? '.tmp'}`,
  );
  try {
    if (opts.createDir === true) await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw cause;
  }
  await fsyncDir(dir);
}
