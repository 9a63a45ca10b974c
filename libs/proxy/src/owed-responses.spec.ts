import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { OwedResponses } from './owed-responses';

function response(complete: boolean, headersSent = false): ServerResponse & EventEmitter {
  return Object.assign(new EventEmitter(), { req: { complete }, headersSent }) as unknown as ServerResponse & EventEmitter;
}

describe('OwedResponses', () => {
  const socket = {} as Duplex;

  it('runs at once when nothing is owed', () => {
    const then = jest.fn();
    new OwedResponses().afterComplete(socket, then);
    expect(then).toHaveBeenCalledTimes(1);
  });

  it('waits for every response to a whole request, not for one whose request is still arriving', () => {
    const owed = new OwedResponses();
    const first = response(true);
    const second = response(true);
    owed.add(socket, first);
    owed.add(socket, second);
    owed.add(socket, response(false));
    const then = jest.fn();
    owed.afterComplete(socket, then);
    first.emit('close');
    expect(then).not.toHaveBeenCalled();
    second.emit('close');
    expect(then).toHaveBeenCalledTimes(1);
  });

  it('forgets closed responses, and tells when one still owed has begun', () => {
    const owed = new OwedResponses();
    const started = response(false, true);
    owed.add(socket, started);
    expect(owed.anyStarted(socket)).toBe(true);
    started.emit('close');
    expect(owed.anyStarted(socket)).toBe(false);
  });
});
