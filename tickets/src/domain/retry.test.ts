import { NotYetError } from '@ticketing/common';
import mongoose from 'mongoose';
import { Ticket } from '../data/ticket';
import { decideOnCurrentTicket, retryOnVersionConflict } from './retry';

/** What a save that lost the race throws (as mongoose's version check does). */
const lostRace = () => new mongoose.Error.VersionError(new Ticket({ title: 'Opera', price: 10, userId: 'u1' }), 0, ['orderId']);

describe('deciding again when the ticket changed under the step', () => {
  it('runs the step again after a lost race and returns what the fresh decision gives', async () => {
    let calls = 0;
    const step = async () => {
      calls += 1;
      if (calls < 3) throw lostRace();
      return 'decided';
    };
    await expect(decideOnCurrentTicket(step, {})).resolves.toBe('decided');
    expect(calls).toBe(3);
  });

  it('for a route, a ticket that keeps changing is still the conflict after 5 attempts', async () => {
    let calls = 0;
    const step = async () => {
      calls += 1;
      throw lostRace();
    };
    await expect(retryOnVersionConflict(step)).rejects.toBeInstanceOf(mongoose.Error.VersionError);
    expect(calls).toBe(5);
  });

  it('for a listener, a ticket that keeps changing is a "not yet" (short back-off), not a failure', async () => {
    let calls = 0;
    const step = async () => {
      calls += 1;
      throw lostRace();
    };
    const outcome = decideOnCurrentTicket(step, { ticketId: 't1', orderId: 'o1' });
    await expect(outcome).rejects.toBeInstanceOf(NotYetError);
    await expect(outcome).rejects.toMatchObject({ context: { ticketId: 't1', orderId: 'o1' } });
    expect(calls).toBe(5);
  });

  it('any other error is not retried and passes through unchanged', async () => {
    let calls = 0;
    const broken = new Error('database unreachable');
    const step = async () => {
      calls += 1;
      throw broken;
    };
    await expect(decideOnCurrentTicket(step, {})).rejects.toBe(broken);
    expect(calls).toBe(1);
  });
});
