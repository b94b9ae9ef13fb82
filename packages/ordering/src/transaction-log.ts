/**
 * The write-ahead log of acknowledged transactions: one log for all chains, in numbered segment
 * files `wal/<16-digit number>.wal` of framed records.
 *
 * One log (not one per chain) so that a group commit costs one write and one fdatasync however
 * many chains the batch touches. Segments make compaction cheap: the orderer counts, per segment,
 * the transactions not yet in a durable block (or dropped); a segment that is not the one being
 * written and whose count reaches zero is deleted whole. Nothing is ever rewritten in place.
 */
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { FramedFile, syncDirectory } from './framed-file.js';

const SEGMENT_NAME = /^(\d{16})\.wal$/;

function segmentName(n: number): string {
  return `${String(n).padStart(16, '0')}.wal`;
}

/** A record found while the log is replayed: its payload and the segment holding it. */
export type LogReplayVisitor = (payload: Buffer, segment: number) => void;

/** Counters describing the log, for metrics and tests. */
export interface TransactionLogStats {
  /** Segment files on disk. */
  readonly segments: number;
  /** Segment files deleted since open. */
  readonly deletedSegments: number;
  /** Bytes of torn tail cut off when the log was opened. */
  readonly truncatedBytes: number;
  /** Writes (each followed by one fdatasync) since open: fewer than records when group commit batches. */
  readonly appends: number;
  /** Records appended since open. */
  readonly records: number;
}

/** The segmented transaction WAL. */
export class TransactionLog {
  private readonly live = new Map<number, number>();
  private deleted = 0;
  private appends = 0;
  private records = 0;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private current: FramedFile,
    private currentSegment: number,
    private readonly truncatedBytes: number,
    segments: readonly number[],
  ) {
    for (const s of segments) this.live.set(s, 0);
  }

  /**
   * Opens the log in `dir` (created if missing), replaying every record of every segment in order
   * through `visit`. Each replayed record counts as live in its segment until {@link release}d.
   * A torn tail is cut off whichever segment it is in (only a failed append can leave one).
   */
  static async open(dir: string, segmentBytes: number, visit: LogReplayVisitor): Promise<TransactionLog> {
    mkdirSync(dir, { recursive: true });
    const segments = readdirSync(dir)
      .map((f) => SEGMENT_NAME.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    if (segments.length === 0) segments.push(1);
    const counts = new Map<number, number>();
    let last: FramedFile | undefined;
    let truncated = 0;
    for (const [i, seg] of segments.entries()) {
      let count = 0;
      const file = await FramedFile.open(join(dir, segmentName(seg)), (payload) => {
        count++;
        visit(payload, seg);
      });
      counts.set(seg, count);
      truncated += file.recovery.truncatedBytes;
      if (i === segments.length - 1) last = file;
      else await file.close();
    }
    const lastSegment = segments[segments.length - 1] as number;
    const log = new TransactionLog(dir, segmentBytes, last as FramedFile, lastSegment, truncated, segments);
    for (const [seg, n] of counts) log.live.set(seg, n);
    return log;
  }

  /**
   * Appends the records in one write + one fdatasync and returns the segment they are in (all of
   * them: a batch never spans segments). Rotates to a new segment first when the current one is full.
   */
  async append(payloads: readonly Uint8Array[]): Promise<number> {
    if (this.current.bytes >= this.segmentBytes) await this.rotate();
    const seg = this.currentSegment;
    await this.current.append(payloads);
    this.appends++;
    this.records += payloads.length;
    this.live.set(seg, (this.live.get(seg) ?? 0) + payloads.length);
    return seg;
  }

  /** Marks `count` records of `segment` as no longer needed (in a durable block, or dropped). */
  release(segment: number, count = 1): void {
    const left = (this.live.get(segment) ?? 0) - count;
    this.live.set(segment, Math.max(0, left));
    if (left <= 0) this.collect();
  }

  /** Deletes every segment other than the current one whose records are all released. */
  collect(): void {
    let removed = false;
    for (const [seg, n] of this.live) {
      if (n > 0 || seg === this.currentSegment) continue;
      unlinkSync(join(this.dir, segmentName(seg)));
      this.live.delete(seg);
      this.deleted++;
      removed = true;
    }
    if (removed) syncDirectory(this.dir);
  }

  /** Counters describing the log. */
  stats(): TransactionLogStats {
    return {
      segments: this.live.size,
      deletedSegments: this.deleted,
      truncatedBytes: this.truncatedBytes,
      appends: this.appends,
      records: this.records,
    };
  }

  private async rotate(): Promise<void> {
    const next = this.currentSegment + 1;
    const file = await FramedFile.open(join(this.dir, segmentName(next)));
    const old = this.current;
    this.current = file;
    this.currentSegment = next;
    this.live.set(next, this.live.get(next) ?? 0);
    await old.close();
    this.collect();
  }

  /** Closes the current segment. */
  async close(): Promise<void> {
    await this.current.close();
  }
}
