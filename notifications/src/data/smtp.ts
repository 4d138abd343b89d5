import nodemailer from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool';
import { Email, MailTransport } from '../domain/mail';

/**
 * The SMTP client (nodemailer) at `smtpUrl`: a pool of up to `connections`
 * connections, so concurrent emails skip a connection's greeting each; a
 * connection the server dropped is replaced at the next email.
 */
export function smtpTransport(smtpUrl: string, from: string, connections: number): MailTransport & { close(): void } {
  const transporter = nodemailer.createTransport(
    // Short timeouts: a server that is down fails the attempt fast and the back-off takes over.
    new SMTPPool({ pool: true, url: smtpUrl, maxConnections: connections, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10000 }),
    { from },
  );
  return {
    async send(email: Email) {
      await transporter.sendMail({ to: email.to, subject: email.subject, text: email.text, html: email.html, messageId: email.messageId });
    },
    close: () => transporter.close(),
  };
}
