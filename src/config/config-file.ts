// Reading a configuration file the operator names (--config-file, a --config-dir's *.conf, a JSON file): a
// regular file of at most MAX_CONFIG_FILE_BYTES, checked and read through one open descriptor. A FIFO would
// hold the start forever, and a link to /dev/zero would fill the memory (both seen: attack finding 8).
import fs from 'node:fs';

/** The largest configuration file read: far above any real one (keystonemiddleware's sample is 9 KB). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** A file that is not one to read configuration from; the message says why, without the file's name. */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

/** What a file that is not a regular file is, for the message. */
function kind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

/** The bytes of `file`; a ConfigFileError when it is not a regular file or is larger than the bound. */
export function readConfigFile(file: string): Buffer {
  // O_NONBLOCK: opening a FIFO to read would otherwise wait for a writer; it changes nothing for a regular file.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new ConfigFileError(`not a regular file (${kind(stat)})`);
    // Read to the end, one byte past the bound at most: the file may have grown since fstat.
    const buffer = Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1);
    let length = 0;
    if (stat.size <= MAX_CONFIG_FILE_BYTES) {
      let read: number;
      while (length < buffer.length && (read = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0)
        length += read;
    }
    if (stat.size > MAX_CONFIG_FILE_BYTES || length > MAX_CONFIG_FILE_BYTES)
      throw new ConfigFileError(`larger than ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`);
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}
