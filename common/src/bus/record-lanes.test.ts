import { RecordLanes, recordKeyOf } from './record-lanes';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('RecordLanes', () => {
  it("runs one key's work in order, one at a time, and other keys' meanwhile", async () => {
    const lanes = new RecordLanes();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}+`);
      await tick();
      log.push(`${name}-`);
    };
    await Promise.all([lanes.run('a', job('a1')), lanes.run('a', job('a2')), lanes.run('b', job('b1'))]);
    const a = log.filter((l) => l.startsWith('a'));
    expect(a).toEqual(['a1+', 'a1-', 'a2+', 'a2-']);
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
  });

  it('goes on after a failure, counts what is pending, and waits below a limit and until idle', async () => {
    const lanes = new RecordLanes();
    const done: string[] = [];
    void lanes.run('a', async () => Promise.reject(new Error('boom')));
    void lanes.run('a', async () => {
      await tick();
      done.push('a2');
    });
    void lanes.run('b', async () => {
      await tick();
      done.push('b1');
    });
    expect(lanes.size).toBe(3);
    await lanes.below(2);
    expect(lanes.size).toBeLessThan(2);
    await lanes.idle();
    expect(lanes.size).toBe(0);
    expect(done.sort()).toEqual(['a2', 'b1']);
  });

  it('keys an event by the record it is about', () => {
    expect(recordKeyOf({ id: 'e1', data: { id: 't1', version: 2 } } as never)).toBe('t1');
    expect(recordKeyOf({ id: 'e2', data: { orderId: 'o1' } } as never)).toBe('o1');
    expect(recordKeyOf({ id: 'e3', data: {} } as never)).toBe('e3');
    expect(recordKeyOf(undefined)).toBe('');
  });
});
