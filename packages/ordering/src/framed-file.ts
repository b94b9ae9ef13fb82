/**
 * An append-only file of length+CRC framed records: `[u32 BE length][u32 BE crc32(payload)][payload]`.
 *
 * Appends are one `write` followed by one `fdatasync`, so a crash can only leave the last record
 * torn (partly written, or zero-filled by the file system). {@link FramedFile.open} detects that
 * and truncates it. Damage anywhere else means the disk lost acknowledged data, so it refuses to
 * guess and throws BSN_ORDERING_CORRUPT.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { BsnError } from '@bsn/core';

/** Bytes before each record's payload. */
export const FRAME_HEADER_BYTES = 8;
/** Largest payload a frame may carry; bigger lengths are treated as damage. */
export const MAX_FRAME_PAYLOAD = 256 * 1024 * 1024;

const SCAN_CHUNK = 4 * 1024 * 1024;

/** The framed bytes of one record. */
export function encodeFrame(payload: Uint8Array): Buffer {
  return encodeFrameParts([payload]);
}

/**
 * The framed bytes of one record whose payload is `parts` concatenated: the parts are copied once,
 * straight into the frame (a block record is assembled from hundreds of transaction encodings).
 */
export function encodeFrameParts(parts: readonly Uint8Array[]): Buffer {
  let size = 0;
  for (const p of parts) size += p.length;
  checkPayloadSize(size);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + size);
  writeFrame(frame, 0, parts, size);
  return frame;
}

/** Writes the frame of a `size`-byte payload made of `parts` into `target` at `at`. */
function writeFrame(target: Buffer, at: number, parts: readonly Uint8Array[], size: number): void {
  let off = at + FRAME_HEADER_BYTES;
  for (const p of parts) {
    target.set(p, off);
    off += p.length;
  }
  target.writeUInt32BE(size, at);
  target.writeUInt32BE(crc32(target.subarray(at + FRAME_HEADER_BYTES, off)), at + 4);
}

function checkPayloadSize(size: number): void {
  if (size === 0 || size > MAX_FRAME_PAYLOAD) {
    throw new BsnError('BSN_INVALID_ARGUMENT', `frame payload must be 1..${MAX_FRAME_PAYLOAD} bytes`, {
      details: { size },
    });
  }
}

/** What opening a framed file found. */
export interface FramedFileRecovery {
  /** Records found intact. */
  readonly records: number;
  /** Bytes of a torn last record that were cut off (0 after a clean shutdown). */
  readonly truncatedBytes: number;
}

/** Called for each intact record while a file is scanned: the payload and the offset of its frame. */
export type FrameVisitor = (payload: Buffer, offset: number) => void;

function allZero(fd: number, from: number, size: number): boolean {
  const buf = Buffer.alloc(Math.min(SCAN_CHUNK, Math.max(size - from, 1)));
  for (let pos = from; pos < size; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    if (n <= 0) return true;
    for (let i = 0; i < n; i++) if (buf[i] !== 0) return false;
    pos += n;
  }
  return true;
}

/**
 * Reads every intact record of `path` in order, and decides whether a bad tail is a torn write.
 * Returns the offset where valid data ends; throws BSN_ORDERING_CORRUPT on mid-file damage.
 */
function scan(path: string, visit: FrameVisitor): { end: number; size: number; records: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let chunk = Buffer.alloc(0);
    let chunkStart = 0;
    let pos = 0;
    let records = 0;
    // Reads [pos, pos+len) into `chunk` (refilling it as needed); null when the file is shorter.
    const bytesAt = (at: number, len: number): Buffer | null => {
      if (at + len > size) return null;
      if (at < chunkStart || at + len > chunkStart + chunk.length) {
        chunk = Buffer.allocUnsafe(Math.max(SCAN_CHUNK, len));
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
        chunk = chunk.subarray(0, n);
        chunkStart = at;
        if (n < len) return null;
      }
      return chunk.subarray(at - chunkStart, at - chunkStart + len);
    };
    while (pos < size) {
      const header = bytesAt(pos, FRAME_HEADER_BYTES);
      const len = header?.readUInt32BE(0) ?? 0;
      const crc = header?.readUInt32BE(4) ?? 0;
      const payload =
        header && len > 0 && len <= MAX_FRAME_PAYLOAD ? bytesAt(pos + FRAME_HEADER_BYTES, len) : null;
      if (payload && crc32(payload) === crc) {
        // Copy: the chunk buffer is reused for the next read.
        visit(Buffer.from(payload), pos);
        records++;
        pos += FRAME_HEADER_BYTES + len;
        continue;
      }
      const end = pos + FRAME_HEADER_BYTES + len;
      const torn =
        header === null || // a partial header at the very end
        end > size || // the record runs past the end of the file
        (payload !== null && end === size) || // the last record's CRC does not match
        allZero(fd, pos, size); // the file system zero-filled the tail
      if (!torn) {
        throw new BsnError('BSN_ORDERING_CORRUPT', `damaged record in the middle of ${path}`, {
          details: { file: path, offset: pos, size },
        });
      }
      return { end: pos, size, records };
    }
    return { end: pos, size, records };
  } finally {
    closeSync(fd);
  }
}

/** Makes a directory entry (a created, renamed or deleted file) durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** An open framed file: recovered on open, appended to with one write + one fdatasync per batch. */
export class FramedFile {
  private constructor(
    /** Path of the file. */
    readonly path: string,
    private readonly handle: FileHandle,
    private size: number,
    /** What recovery found when the file was opened. */
    readonly recovery: FramedFileRecovery,
  ) {}

  /**
   * Opens (creating if needed) `path`, calls `visit` for every intact record in order, truncates a
   * torn tail and makes the truncation durable. Throws BSN_ORDERING_CORRUPT on mid-file damage.
   */
  static async open(path: string, visit: FrameVisitor = () => {}): Promise<FramedFile> {
    const handle = await open(path, 'a+');
    try {
      const created = (await handle.stat()).size === 0;
      const { end, size, records } = scan(path, visit);
      if (end < size) {
        await handle.truncate(end);
        await handle.datasync();
      }
      if (created) syncDirectory(dirname(path));
      return new FramedFile(path, handle, end, { records, truncatedBytes: size - end });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Current length of the file in bytes. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Appends the records in one write and waits for fdatasync. Returns the offset of each frame.
   * On failure it cuts the file back to its previous length so no half-written batch remains;
   * throws BSN_ORDERING_STORAGE (nothing of the batch may be considered durable).
   */
  async append(payloads: readonly Uint8Array[]): Promise<number[]> {
    // The batch's frames in one buffer: one allocation and one write, not one of each per record.
    let size = 0;
    for (const p of payloads) {
      checkPayloadSize(p.length);
      size += FRAME_HEADER_BYTES + p.length;
    }
    const batch = Buffer.allocUnsafe(size);
    const offsets: number[] = [];
    let at = 0;
    for (const p of payloads) {
      offsets.push(this.size + at);
      writeFrame(batch, at, [p], p.length);
      at += FRAME_HEADER_BYTES + p.length;
    }
    await this.write([batch], size);
    return offsets;
  }

  /** {@link append} for records already framed by {@link encodeFrame} or {@link encodeFrameParts}. */
  async appendFrames(frames: readonly Buffer[]): Promise<number[]> {
    const offsets: number[] = [];
    let size = 0;
    for (const f of frames) {
      offsets.push(this.size + size);
      size += f.length;
    }
    await this.write(frames, size);
    return offsets;
  }

  // One write + fdatasync of `size` bytes of frames at the end of the file.
  private async write(buffers: readonly Buffer[], size: number): Promise<void> {
    const before = this.size;
    try {
      // 'a+' opens with O_APPEND, so the write lands at the end of the file: `before`.
      await this.handle.writev(buffers);
      await this.handle.datasync();
    } catch (cause) {
      try {
        await this.handle.truncate(before);
      } catch {
        // The file may now end in a partial batch; the next open truncates it as a torn tail.
      }
      throw new BsnError('BSN_ORDERING_STORAGE', `could not append to ${this.path}`, {
        details: { file: this.path },
        cause,
      });
    }
    this.size = before + size;
  }

  /** Reads the payload of the frame at `offset` (an offset `append` or the open scan reported). */
  async read(offset: number): Promise<Buffer> {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    await this.handle.read(header, 0, FRAME_HEADER_BYTES, offset);
    const len = header.readUInt32BE(0);
    if (len === 0 || offset + FRAME_HEADER_BYTES + len > this.size) {
      throw new BsnError('BSN_ORDERING_CORRUPT', `no record at offset ${offset} of ${this.path}`, {
        details: { file: this.path, offset },
      });
    }
    const payload = Buffer.allocUnsafe(len);
    await this.handle.read(payload, 0, len, offset + FRAME_HEADER_BYTES);
    if (crc32(payload) !== header.readUInt32BE(4)) {
      throw new BsnError('BSN_ORDERING_CORRUPT', `record at offset ${offset} of ${this.path} fails its CRC`, {
        details: { file: this.path, offset },
      });
    }
    return payload;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}
