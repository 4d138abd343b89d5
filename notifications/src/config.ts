import { busConfig, feeConfig, httpConfig, loadConfig, mongoConfig, sessionConfig, z } from '@ticketing/common';

/** What the notifications service adds to the common settings: where its email goes and how it retries. */
export const notificationsConfig = z.object({
  /** The SMTP server the emails are sent through (locally: the Mailpit `npm start` runs). */
  SMTP_URL: z.string().url('SMTP_URL must be a URL such as smtp://127.0.0.1:1025').default('smtp://127.0.0.1:1025'),
  /** The sender of every email. */
  MAIL_FROM: z.string().min(3).default('Ticketing <no-reply@ticketing.dev>'),
  /** The origin the emails' links point at (the gateway). */
  PUBLIC_URL: z.string().url('PUBLIC_URL must be a URL').default('https://ticketing.dev'),
  /** How often the email outbox looks for emails due. */
  MAIL_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(1000),
  /** Back-off of an email whose sending failed: the first wait, doubling up to the longest. */
  MAIL_RETRY_BASE_MS: z.coerce.number().int().positive().default(1000),
  MAIL_RETRY_MAX_MS: z.coerce.number().int().positive().default(60000),
  /** How long a claim on an email lasts before another sender may take it over (a sender that died mid-send). */
  MAIL_CLAIM_SECONDS: z.coerce.number().int().positive().default(120),
  /** Emails each sender has at the SMTP server at once (and its pooled SMTP connections). */
  MAIL_CONCURRENCY: z.coerce.number().int().positive().max(100).default(16),
});

export const configSchema = z.intersection(
  z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig).merge(notificationsConfig), busConfig),
  // The fee of a version-1 listing, whose ticket messages carry none (a price alert compares all-in prices).
  feeConfig,
);

export type NotificationsConfig = z.infer<typeof configSchema>;

export const readConfig = (): NotificationsConfig => loadConfig(configSchema);
