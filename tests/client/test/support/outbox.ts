// The OTP outbox (OTP_*_DELIVERY=outbox): a JSON-lines file of sent codes.

import { existsSync, readFileSync } from 'node:fs';
import { sleep } from './server.ts';

export interface OutboxEntry {
  channel: string;
  to: string;
  purpose: string;
  code: string;
  createdAt: string;
}

export function readOutbox(file: string): OutboxEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxEntry);
}

/**
 * The newest code sent to `to` for `purpose` (the outbox writes purposes in lower case:
 * `phone_verification`), waiting up to 5 s for it to appear.
 */
export async function latestCode(file: string, to: string, purpose: string): Promise<OutboxEntry> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const entries = readOutbox(file).filter((e) => e.to === to && e.purpose.toUpperCase() === purpose.toUpperCase());
    const last = entries.at(-1);
    if (last) return last;
    if (Date.now() > deadline) {
      throw new Error(`no ${purpose} code for ${to} in ${file}: ${JSON.stringify(readOutbox(file))}`);
    }
    await sleep(50);
  }
}
