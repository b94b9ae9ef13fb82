/** Test helper: what a block stream sent for each stored block before it sent the stored bytes. */
import { FramedFile } from '@bsn/ordering';

/** Each record of the block file at `path`, parsed and stringified: the bytes a block stream used to send. */
export async function stringifiedRecords(path: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const f = await FramedFile.open(path, (payload) => {
    out.push(Buffer.from(JSON.stringify(JSON.parse(payload.toString('utf8')))));
  });
  await f.close();
  return out;
}
