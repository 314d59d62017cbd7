import { isAscii } from 'node:buffer';

/**
 * Streaming UTF-8 decoding with an ASCII fast path. Resource Graph exports are almost always pure ASCII, and
 * decoding ASCII as Latin-1 gives the same string several times faster than the UTF-8 decoder. A multi-byte
 * sequence split across chunks is carried over to the next chunk.
 */
export class ChunkDecoder {
  private pending: Buffer | undefined;

  write(chunk: Buffer): string {
    let bytes = chunk;
    if (this.pending !== undefined) {
      bytes = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    if (isAscii(bytes)) return bytes.toString('latin1');
    const end = completeUtf8Length(bytes);
    if (end < bytes.length) this.pending = Buffer.from(bytes.subarray(end));
    return bytes.toString('utf8', 0, end);
  }

  /** Bytes of an unfinished sequence at the end of the input decode as replacement characters, as TextDecoder does. */
  end(): string {
    const rest = this.pending;
    this.pending = undefined;
    return rest === undefined ? '' : rest.toString('utf8');
  }
}

/** Length of the longest prefix of `bytes` that does not end inside a UTF-8 multi-byte sequence. */
function completeUtf8Length(bytes: Buffer): number {
  const length = bytes.length;
  // look back at most 3 bytes for the lead byte of the last sequence
  for (let back = 1; back <= Math.min(4, length); back++) {
    const byte = bytes[length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte
    let need = 1;
    if ((byte & 0xe0) === 0xc0) need = 2;
    else if ((byte & 0xf0) === 0xe0) need = 3;
    else if ((byte & 0xf8) === 0xf0) need = 4;
    return back >= need ? length : length - back;
  }
  return length;
}
