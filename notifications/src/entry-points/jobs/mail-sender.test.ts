import { newId, useTestDatabase, waitFor } from '@ticketing/common/testing';
import { EmailStatus, Notification } from '../../data/notification';
import { User } from '../../data/user';
import { NotificationKind } from '../../domain/kinds';
import { LocalSenders, sendDue } from '../../domain/mail';
import { notifierFor } from '../../domain/notify';
import { RecordingTransport, testMailSettings } from '../../test/app';
import { MailSender } from './mail-sender';

useTestDatabase();

/** A poll interval no test waits for: what is sent at once was sent by the wake-up. */
const NEVER_MS = 600_000;

/** This test process's senders, as index.ts wires them: notify hands them each email as it is stored. */
const local = new LocalSenders();
const notify = notifierFor(local);

const senders: MailSender[] = [];
function sender(smtp: RecordingTransport, settings = testMailSettings, intervalMs = NEVER_MS) {
  const s = new MailSender(smtp, settings, intervalMs, local);
  senders.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.stop()));
});

async function paid(userId = newId()) {
  await User.updateOne({ _id: userId }, { $set: { email: `${userId}@example.com` } }, { upsert: true });
  await notify(userId, NotificationKind.OrderPaid, newId(), { orderId: 'ord1', title: 'Summer Tour', quantity: 2, amount: 56 });
}

const allSent = async (count: number) => (await Notification.countDocuments({ emailStatus: EmailStatus.Sent })) === count;

describe('the mail sender', () => {
  it('sends an email as soon as its notification is stored, not at the next poll', async () => {
    const smtp = new RecordingTransport();
    const s = sender(smtp);
    s.start();
    await s.runOnce(); // the first poll: nothing due
    await paid();
    await waitFor(() => smtp.sent.length === 1, 3000);
    await waitFor(() => allSent(1), 3000);
  });

  it('sends what was staged before it started at its first poll', async () => {
    await paid();
    const smtp = new RecordingTransport();
    sender(smtp).start();
    await waitFor(() => smtp.sent.length === 1, 3000);
  });

  it('has at most `concurrency` emails at the SMTP server at once', async () => {
    const smtp = new RecordingTransport();
    smtp.delayMs = 30;
    const s = sender(smtp, { ...testMailSettings, concurrency: 3 });
    s.start();
    await s.runOnce();
    await Promise.all(Array.from({ length: 15 }, () => paid()));
    // Every place is given back once its email is marked sent, a moment after the SMTP server took it.
    await waitFor(() => smtp.sent.length === 15 && s.inFlight === 0, 10_000);
    expect(smtp.maxActive).toBe(3);
  });

  it('sends each email once while several senders and passes work the same queue', async () => {
    const smtp = new RecordingTransport();
    smtp.delayMs = 5;
    const many = Array.from({ length: 3 }, () => sender(smtp, { ...testMailSettings, concurrency: 4 }, 20));
    for (const s of many) s.start();
    const staged = Promise.all(Array.from({ length: 20 }, () => paid()));
    const passes = Promise.all(Array.from({ length: 3 }, () => sendDue(smtp, { ...testMailSettings, concurrency: 4 })));
    await Promise.all([staged, passes]);
    await waitFor(() => allSent(20), 10_000);
    await Promise.all(many.map((s) => s.runOnce()));
    expect(smtp.sent).toHaveLength(20);
    expect(new Set(smtp.sent.map((e) => e.messageId)).size).toBe(20);
  });

  it('retries an email the server refused at a later poll, once the back-off has passed', async () => {
    const smtp = new RecordingTransport();
    smtp.down = true;
    const s = sender(smtp, { ...testMailSettings, backoff: { baseMs: 50, maxMs: 50 } }, 20);
    s.start();
    await paid();
    await waitFor(() => Notification.findOne({ emailAttempts: { $gte: 1 } }), 3000);
    smtp.down = false;
    await waitFor(() => allSent(1), 3000);
    expect(smtp.sent).toHaveLength(1);
  });

  it('claims an email in its own insert when it has room: after the insert, only the mark is written', async () => {
    let answer!: () => void;
    const smtp = new RecordingTransport();
    smtp.hold = () => new Promise<void>((resolve) => (answer = resolve));
    const s = sender(smtp, { ...testMailSettings, concurrency: 1 });
    s.start();
    await s.runOnce();
    const writes = jest.spyOn(Notification, 'updateOne');
    await paid();
    // Claimed in the insert, already at the server: nothing written since.
    expect(await Notification.findOne().lean()).toMatchObject({ emailStatus: EmailStatus.Sending, emailClaimedAt: expect.any(Date) });
    await waitFor(() => smtp.active === 1);
    expect(writes).not.toHaveBeenCalled();
    await paid(); // no room: staged pending, claimed by a write of its own once the first is sent
    answer();
    await waitFor(() => smtp.sent.length === 1 && smtp.active === 1);
    answer();
    await waitFor(() => allSent(2), 3000);
    expect(writes).toHaveBeenCalledTimes(3);
    writes.mockRestore();
  });

  it('an email claimed in its insert by a sender that died is taken over once the claim has lapsed', async () => {
    const dying = new RecordingTransport();
    dying.hold = () => new Promise<void>(() => {});
    const s = sender(dying);
    s.start();
    await s.runOnce();
    await paid();
    await waitFor(() => dying.active === 1);
    const smtp = new RecordingTransport();
    expect(await sendDue(smtp, testMailSettings)).toMatchObject({ sent: 0 });
    expect(await sendDue(smtp, testMailSettings, new Date(Date.now() + testMailSettings.claimMs + 1000))).toMatchObject({ sent: 1 });
    expect(smtp.sent).toHaveLength(1);
    // It never answers: stopped taking emails, not waited for.
    senders.splice(senders.indexOf(s), 1);
    void s.stop();
  });

  it('takes no email after it stopped; it stays pending for the next sender', async () => {
    const smtp = new RecordingTransport();
    const s = sender(smtp);
    s.start();
    await s.stop();
    await paid();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.sent).toHaveLength(0);
    expect((await Notification.findOne())!.emailStatus).toBe(EmailStatus.Pending);
  });
});
