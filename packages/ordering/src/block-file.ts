/**
 * One chain's blocks, in one framed file `chains/<name>.blocks`, one block per record in height
 * order. Only the offset of each block stays in memory (plus, in a cache shared by the orderer's
 * chains, the JSON of recent blocks for live subscribers); older blocks are read back from disk
 * when a subscriber asks for them.
 */
import { type Block, type BlockHeader, BsnError, blockHash, ZERO_HASH } from '@bsn/core';
import { encodeFrameParts, FRAME_HEADER_BYTES, FramedFile } from './framed-file.js';
import { RecentBlocks, type RecentChainBlocks } from './recent-blocks.js';

/** File name for a chain: the id itself when it is a plain name, otherwise `%` and its UTF-8 hex. */
export function chainFileName(chain: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(chain)
    ? `${chain}.blocks`
    : `%${Buffer.from(chain, 'utf8').toString('hex')}.blocks`;
}

/** The chain id a block file name stands for, or undefined for a file that is not a block file. */
export function chainFromFileName(file: string): string | undefined {
  if (!file.endsWith('.blocks')) return undefined;
  const stem = file.slice(0, -'.blocks'.length);
  return stem.startsWith('%') ? Buffer.from(stem.slice(1), 'hex').toString('utf8') : stem;
}

const COMMA = Buffer.from(',');
const RECORD_END = Buffer.from(']}');

/** The JSON of `block` (header, signature, txs) in parts, with the transactions' own encodings spliced in. */
function blockRecordParts(block: Block, txRecords: readonly Uint8Array[]): Uint8Array[] {
  const head = Buffer.from(
    `{"header":${JSON.stringify(block.header)},"signature":${JSON.stringify(block.signature)},"txs":[`,
    'utf8',
  );
  const parts: Uint8Array[] = [head];
  for (const [i, r] of txRecords.entries()) {
    if (i > 0) parts.push(COMMA);
    parts.push(r);
  }
  parts.push(RECORD_END);
  return parts;
}

const QUOTE = 0x22;
const COLON_AFTER_NAME = Buffer.from('":');

/**
 * Whether `json` has a member named by digits only (`{"12":` or `,"12":`). A quote right after `{`
 * or `,` always opens a member name (a quote inside a string is escaped), so the scan is exact
 * about names; it also says yes for names like "01" that JavaScript does not reorder.
 */
function hasDigitName(json: Buffer): boolean {
  for (let at = json.indexOf(COLON_AFTER_NAME); at >= 0; at = json.indexOf(COLON_AFTER_NAME, at + 2)) {
    let i = at - 1;
    while (i > 0 && (json[i] as number) >= 0x30 && (json[i] as number) <= 0x39) i--;
    if (i === at - 1 || json[i] !== QUOTE) continue;
    const before = json[i - 1];
    if (before === 0x7b || before === 0x2c) return true;
  }
  return false;
}

/**
 * The JSON of a stored block exactly as `JSON.stringify` writes the parsed block: what the block
 * streams have always sent. That is the record itself, unless an object in it has a member named
 * like an array index: the record keeps canonical (sorted) member order, while a parsed object
 * lists such members first, in numeric order. Only then is the block encoded again.
 */
function blockJson(record: Buffer): Buffer {
  return hasDigitName(record)
    ? Buffer.from(JSON.stringify(JSON.parse(record.toString('utf8'))), 'utf8')
    : record;
}

/** Called for each block found when a block file is opened. */
export type BlockVisitor = (block: Block) => void;

/** A chain's durable blocks. */
export class BlockFile {
  private readonly offsets: number[] = [];
  /** The JSON ({@link blockJson}) of this chain's blocks the orderer's recent-block cache keeps. */
  private readonly recent: RecentChainBlocks;
  /**
   * Height → the JSON of a block read back from disk or dropped from `recent`, while something
   * (a stream sending it) still holds it: another reader of the block gets that buffer rather than
   * reading a copy of its own, so N slow streams of an old block hold it once, not N times.
   */
  private readonly held = new Map<number, WeakRef<Buffer>>();
  private readonly released = new FinalizationRegistry<number>((height) => {
    if (this.held.get(height)?.deref() === undefined) this.held.delete(height);
  });
  /** Height → the read from disk in progress, which concurrent readers of the block share. */
  private readonly reading = new Map<number, Promise<Buffer>>();
  private last: BlockHeader | undefined;
  private lastHash = ZERO_HASH;

  /**
   * Set once open() has scanned the file (the scan only needs the in-memory state). Until then,
   * blocks the scan drops from `recent` are held by nothing, so they are not kept for sharing.
   */
  private file!: FramedFile;

  private constructor(
    readonly chain: string,
    cache: RecentBlocks,
  ) {
    this.recent = cache.chain((height, json) => {
      if (this.file !== undefined) this.hold(height, json);
    });
  }

  /**
   * Opens the chain's block file, checks that heights run 1, 2, … and each prevHash matches, and
   * calls `visit` for every block. A torn last block (crash while it was written, so never
   * streamed) is cut off; any other damage throws BSN_ORDERING_CORRUPT. Recent blocks are kept in
   * `cache`, which an orderer shares among all its chains (by default the file has its own).
   */
  static async open(
    path: string,
    chain: string,
    visit: BlockVisitor = () => {},
    cache: RecentBlocks = new RecentBlocks(),
  ): Promise<BlockFile> {
    const bf = new BlockFile(chain, cache);
    try {
      bf.file = await FramedFile.open(path, (payload, offset) => {
        const block = JSON.parse(payload.toString('utf8')) as Block;
        bf.check(block, path);
        bf.accept(block, offset, payload);
        visit(block);
      });
    } catch (err) {
      bf.recent.clear();
      throw err;
    }
    return bf;
  }

  /** Height of the last block (0 for none). */
  get height(): number {
    return this.offsets.length;
  }

  /** Hash of the last block's header ({@link ZERO_HASH} for none). */
  get tipHash(): string {
    return this.lastHash;
  }

  /** Time of the last block (0 for none). */
  get tipTime(): number {
    return this.last?.time ?? 0;
  }

  /** Bytes of torn tail cut off when the file was opened. */
  get truncatedBytes(): number {
    return this.file.recovery.truncatedBytes;
  }

  /**
   * Appends the next block durably (write + fdatasync) before anyone can see it. `txRecords` are
   * the canonical encodings of `block.txs`, in order (the orderer made them when it accepted each
   * transaction): the record is the block's JSON assembled around them, so a block of hundreds of
   * transactions is not stringified again. Readers only parse it, as they parse any block's JSON.
   */
  async append(block: Block, txRecords: readonly Uint8Array[]): Promise<void> {
    this.check(block, this.file.path);
    const frame = encodeFrameParts(blockRecordParts(block, txRecords));
    const [offset] = await this.file.appendFrames([frame]);
    this.accept(block, offset as number, frame.subarray(FRAME_HEADER_BYTES));
  }

  /**
   * The JSON of the block at `height` (1 ≤ height ≤ this.height) as UTF-8 bytes, exactly what
   * `JSON.stringify` writes for the block. Callers reading a block at the same time, or while
   * another still holds it, get one shared buffer, so a block stream can send it as it is:
   * callers must not modify it.
   */
  async readJson(height: number): Promise<Buffer> {
    const known = this.recent.get(height) ?? this.held.get(height)?.deref();
    if (known) return known;
    const offset = this.offsets[height - 1];
    if (offset === undefined) {
      throw new BsnError('BSN_INVALID_ARGUMENT', `chain ${this.chain} has no block ${height}`, {
        details: { chain: this.chain, height, tip: this.height },
      });
    }
    let reading = this.reading.get(height);
    if (!reading) {
      reading = this.file
        .read(offset)
        .then((record) => this.hold(height, blockJson(record)))
        .finally(() => this.reading.delete(height));
      this.reading.set(height, reading);
    }
    return reading;
  }

  /** The block at `height` (1 ≤ height ≤ this.height), parsed afresh for each caller. */
  async read(height: number): Promise<Block> {
    return JSON.parse((await this.readJson(height)).toString('utf8')) as Block;
  }

  /** Closes the file, and drops its blocks from the recent-block cache. */
  async close(): Promise<void> {
    this.recent.clear();
    await this.file.close();
  }

  private check(block: Block, path: string): void {
    const h = block.header;
    if (h.chain !== this.chain || h.height !== this.height + 1 || h.prevHash !== this.lastHash) {
      throw new BsnError('BSN_ORDERING_CORRUPT', `block file ${path} does not continue chain ${this.chain}`, {
        details: {
          file: path,
          expected: { chain: this.chain, height: this.height + 1, prevHash: this.lastHash },
          found: { chain: h.chain, height: h.height, prevHash: h.prevHash },
        },
      });
    }
  }

  private accept(block: Block, offset: number, record: Buffer): void {
    this.offsets.push(offset);
    this.last = block.header;
    this.lastHash = blockHash(block.header);
    this.recent.set(block.header.height, blockJson(record));
  }

  // Shares `json` with later readers of the block for as long as anything else holds it.
  private hold(height: number, json: Buffer): Buffer {
    this.held.set(height, new WeakRef(json));
    this.released.register(json, height);
    return json;
  }

  /** How many recent blocks have their JSON kept, and its bytes. */
  get cached(): { readonly blocks: number; readonly bytes: number } {
    return { blocks: this.recent.size, bytes: this.recent.bytes };
  }
}
