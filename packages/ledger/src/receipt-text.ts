/**
 * The canonical encoding of a successful receipt, put together from parts already in canonical
 * form: the result's text (the runtime measured it against the result limit) and each event's
 * data text (the host measured it against the event limit). Encoding the receipt object again
 * walked the same values a second time, a few microseconds per transaction.
 *
 * The output is exactly `canonicalString(receipt)` (a property test holds it to that): members in
 * code-unit order — events, gasUsed, result, status, txId; an event's contract, data, name — and
 * strings quoted by the canonical encoder itself.
 */
import { type ContractEvent, canonicalString } from '@bsn/core';

/**
 * `canonicalString` of `{txId, status: "ok", result, events, gasUsed}`, given the canonical texts
 * of the result and of each event's data (`dataTexts[i]` for `events[i]`).
 */
export function okReceiptText(
  txId: string,
  resultText: string,
  events: readonly ContractEvent[],
  dataTexts: readonly string[],
  gasUsed: number,
): string {
  let out = '{"events":[';
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as ContractEvent;
    out += `${i === 0 ? '' : ','}{"contract":${canonicalString(e.contract)},"data":${dataTexts[i] as string},"name":${canonicalString(e.name)}}`;
  }
  return `${out}],"gasUsed":${canonicalString(gasUsed)},"result":${resultText},"status":"ok","txId":${canonicalString(txId)}}`;
}
