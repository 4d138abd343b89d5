import { awaitReplica } from './await-replica';

describe('awaitReplica', () => {
  it('returns a record that arrives while it waits', async () => {
    let record: string | null = null;
    setTimeout(() => {
      record = 'ticket';
    }, 120);
    const started = Date.now();
    expect(await awaitReplica(async () => record, { timeoutMs: 2000, intervalMs: 20 })).toBe('ticket');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('gives up with null after the timeout', async () => {
    const started = Date.now();
    expect(await awaitReplica(async () => null, { timeoutMs: 150, intervalMs: 20 })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
