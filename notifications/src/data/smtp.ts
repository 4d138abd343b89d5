import nodemailer from 'nodemailer';
import { Email, MailTransport } from '../domain/mail';

/** The SMTP client (nodemailer) at `smtpUrl`: one connection per email, so a server that comes back is used at once. */
export function smtpTransport(smtpUrl: string, from: string): MailTransport & { close(): void } {
  const transporter = nodemailer.createTransport(smtpUrl, { from });
  // Short timeouts: a server that is down fails the attempt fast and the back-off takes over.
  Object.assign(transporter.options, { connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10000 });
  return {
    async send(email: Email) {
      await transporter.sendMail({ to: email.to, subject: email.subject, text: email.text, html: email.html, messageId: email.messageId });
    },
    close: () => transporter.close(),
  };
}
