import type { ExchangeSummary } from '@piko/inspect';
import { createParser } from 'eventsource-parser';

/**
 * Reads a server-sent-events body (the admin's `GET /api/v1/events`) and pushes the summary of
 * each `event: request` onto `events`, until the body ends or its fetch is aborted.
 * Resolves then; never rejects (an abort is the usual end).
 */
export async function collectRequestEvents(body: ReadableStream<Uint8Array>, events: ExchangeSummary[]): Promise<void> {
  const parser = createParser({
    onEvent: (message) => {
      if (message.event === 'request') events.push(JSON.parse(message.data) as ExchangeSummary);
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
    if (done) return;
    parser.feed(decoder.decode(value, { stream: true }));
  }
}
