import { newId, useTestDatabase, waitFor } from '@ticketing/common/testing';
import { EmailStatus, Notification } from '../data/notification';
import { User } from '../data/user';
import { RecordingTransport, testMailSettings } from '../test/app';
import { NotificationKind } from './kinds';
import { emailOf, sendDue } from './mail';
import { notifierFor } from './notify';

// No sender in this process: each email waits for a pass of the outbox (sendDue).
const notify = notifierFor();

useTestDatabase();

async function paidNotification(userId = newId()) {
  await User.create({ _id: userId, email: `${userId}@example.com` });
  await notify(userId, NotificationKind.OrderPaid, newId(), { orderId: 'ord1', title: 'Summer Tour', quantity: 2, amount: 56 });
  return (await Notification.findOne({ userId }))!;
}

const later = (ms: number) => new Date(Date.now() + ms);

describe('the email outbox', () => {
  it('sends a notification once, to its user, in plain text and HTML with a link to its page', async () => {
    const n = await paidNotification();
    const smtp = new RecordingTransport();
    expect(await sendDue(smtp, testMailSettings)).toMatchObject({ sent: 1 });
    expect(await sendDue(smtp, testMailSettings, later(3_600_000))).toMatchObject({ sent: 0 });
    expect(smtp.sent).toHaveLength(1);
    const [email] = smtp.sent;
    expect(email).toMatchObject({ to: `${n.userId}@example.com`, subject: 'Your order is paid', messageId: `<notification-${n.id}@ticketing.dev>` });
    expect(email.text).toContain('Your order of 2 tickets for Summer Tour is paid ($56.00).');
    expect(email.text).toContain('https://ticketing.dev/orders/ord1');
    expect(email.html).toContain('<a href="https://ticketing.dev/orders/ord1">');
    expect((await Notification.findById(n.id))!.emailStatus).toBe(EmailStatus.Sent);
  });

  it('sends each email once when many senders run at once', async () => {
    for (let i = 0; i < 3; i += 1) await paidNotification();
    const smtp = new RecordingTransport();
    const runs = await Promise.all(Array.from({ length: 5 }, () => sendDue(smtp, testMailSettings)));
    expect(runs.reduce((sum, r) => sum + r.sent, 0)).toBe(3);
    expect(smtp.sent).toHaveLength(3);
    expect(new Set(smtp.sent.map((e) => e.messageId)).size).toBe(3);
  });

  it('retries with back-off while the SMTP server is down, and sends once when it is back', async () => {
    const n = await paidNotification();
    const smtp = new RecordingTransport();
    smtp.down = true;
    const settings = { ...testMailSettings, backoff: { baseMs: 60_000, maxMs: 600_000 } };
    expect(await sendDue(smtp, settings)).toMatchObject({ failed: 1 });
    const failed = (await Notification.findById(n.id))!;
    expect(failed).toMatchObject({ emailStatus: EmailStatus.Pending, emailAttempts: 1, emailError: expect.stringMatching(/ECONNREFUSED/) });
    // Not before its back-off: the first wait, then doubling.
    expect(failed.emailDueAt.getTime()).toBeGreaterThanOrEqual(Date.now() + 55_000);
    expect(await sendDue(smtp, settings)).toMatchObject({ failed: 0, sent: 0 });
    expect(await sendDue(smtp, settings, later(61_000))).toMatchObject({ failed: 1 });
    expect((await Notification.findById(n.id))!.emailDueAt.getTime()).toBeGreaterThanOrEqual(Date.now() + 115_000);
    smtp.down = false;
    expect(await sendDue(smtp, settings, later(200_000))).toMatchObject({ sent: 1 });
    expect(await sendDue(smtp, settings, later(2_000_000))).toMatchObject({ sent: 0 });
    expect(smtp.sent).toHaveLength(1);
  });

  it('waits for the address of a user whose user:created has not arrived, then sends', async () => {
    const userId = newId();
    await notify(userId, NotificationKind.TicketSold, newId(), { title: 'Summer Tour', quantity: 1 });
    const smtp = new RecordingTransport();
    expect(await sendDue(smtp, testMailSettings)).toMatchObject({ waiting: 1 });
    await User.create({ _id: userId, email: 'late@example.com' });
    expect(await sendDue(smtp, testMailSettings, later(1000))).toMatchObject({ sent: 1 });
    expect(smtp.sent.map((e) => e.to)).toEqual(['late@example.com']);
  });

  it('takes over the claim of a sender that died mid-send only once the claim has lapsed', async () => {
    const n = await paidNotification();
    await Notification.updateOne({ _id: n.id }, { $set: { emailStatus: EmailStatus.Sending, emailClaimedAt: new Date() } });
    const smtp = new RecordingTransport();
    expect(await sendDue(smtp, testMailSettings)).toMatchObject({ sent: 0 });
    expect(await sendDue(smtp, testMailSettings, later(testMailSettings.claimMs + 1000))).toMatchObject({ sent: 1 });
    expect(smtp.sent).toHaveLength(1);
  });

  it('sends a pass at most `concurrency` emails at once, and each of them once', async () => {
    for (let i = 0; i < 12; i += 1) await paidNotification();
    const smtp = new RecordingTransport();
    smtp.delayMs = 30;
    expect(await sendDue(smtp, { ...testMailSettings, concurrency: 3 })).toMatchObject({ sent: 12 });
    expect(smtp.maxActive).toBe(3);
    expect(new Set(smtp.sent.map((e) => e.messageId)).size).toBe(12);
  });

  it('takes over a sender that died mid-send, and the dead sender’s late answer changes nothing', async () => {
    const n = await paidNotification();
    let answer!: () => void;
    const dying = new RecordingTransport();
    dying.hold = () => new Promise<void>((resolve) => (answer = resolve));
    const deadPass = sendDue(dying, testMailSettings);
    await waitFor(() => dying.active === 1);
    const smtp = new RecordingTransport();
    expect(await sendDue(smtp, testMailSettings)).toMatchObject({ sent: 0, taken: 0 });
    expect(await sendDue(smtp, testMailSettings, later(testMailSettings.claimMs + 1000))).toMatchObject({ sent: 1 });
    const sent = (await Notification.findById(n.id))!;
    expect(sent.emailStatus).toBe(EmailStatus.Sent);
    // The dead sender's SMTP server refuses at last: its claim is not its own any more, so the email stays sent.
    dying.down = true;
    answer();
    expect(await deadPass).toMatchObject({ failed: 1 });
    expect((await Notification.findById(n.id))!.toObject()).toMatchObject({ emailStatus: EmailStatus.Sent, emailAttempts: 0, emailSentAt: sent.emailSentAt });
    expect(smtp.sent).toHaveLength(1);
  });

  it('escapes the message in the HTML body', () => {
    const email = emailOf({ id: 'x', subject: 's', message: 'A <b>bold</b> & "quoted" show', link: '/events/1' }, 'a@example.com', 'http://localhost:8080');
    expect(email.html).toContain('A &#60;b&#62;bold&#60;/b&#62; &#38; &#34;quoted&#34; show');
    expect(email.html).toContain('href="http://localhost:8080/events/1"');
  });
});
