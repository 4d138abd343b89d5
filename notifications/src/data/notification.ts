import mongoose from 'mongoose';
import { toJSONOptions } from '@ticketing/common';
import { NotificationKind } from '../domain/kinds';

/** Where a notification's email is: waiting (or waiting again after a failure), claimed by a sender, sent. */
export enum EmailStatus {
  Pending = 'pending',
  Sending = 'sending',
  Sent = 'sent',
}

export interface NotificationAttrs {
  userId: string;
  kind: NotificationKind;
  /** The fact it tells of (an order, an event, a payout, a watch and a listing): with userId and kind, unique. */
  key: string;
  message: string;
  /** The page it is about, a path on the site (e.g. /orders/…). */
  link?: string;
  /** The email's subject line. */
  subject: string;
}

/**
 * One notification of one user about one fact, and its email's outbox state
 * in the same record: the email is staged in the write that creates the
 * notification, so neither exists without the other.
 */
export interface NotificationDoc extends mongoose.Document, NotificationAttrs {
  read: boolean;
  emailStatus: EmailStatus;
  /** Failed sends so far (the back-off's exponent). */
  emailAttempts: number;
  /** Not sent before this time (the back-off after a failure). */
  emailDueAt: Date;
  /** When the sender holding the claim took it (status sending). */
  emailClaimedAt?: Date;
  emailSentAt?: Date;
  emailError?: string;
  createdAt: Date;
  updatedAt: Date;
}

const notificationSchema = new mongoose.Schema<NotificationDoc>(
  {
    userId: { type: String, required: true },
    kind: { type: String, required: true },
    key: { type: String, required: true },
    message: { type: String, required: true },
    link: { type: String },
    subject: { type: String, required: true },
    read: { type: Boolean, required: true, default: false },
    emailStatus: { type: String, required: true, enum: Object.values(EmailStatus), default: EmailStatus.Pending },
    emailAttempts: { type: Number, required: true, default: 0 },
    emailDueAt: { type: Date, required: true, default: () => new Date() },
    emailClaimedAt: { type: Date },
    emailSentAt: { type: Date },
    emailError: { type: String },
  },
  { timestamps: true, versionKey: false, toJSON: toJSONOptions },
);

// The idempotency key: a redelivered or repeated fact finds its notification there.
notificationSchema.index({ userId: 1, kind: 1, key: 1 }, { unique: true });
notificationSchema.index({ userId: 1, createdAt: -1 });
notificationSchema.index({ emailStatus: 1, emailDueAt: 1 });

export const Notification = mongoose.model<NotificationDoc>('Notification', notificationSchema);

/** A notification in responses: `{id, kind, message, link?, createdAt, read}`. */
export function notificationView(n: Pick<NotificationDoc, 'id' | 'kind' | 'message' | 'link' | 'createdAt' | 'read'>) {
  return {
    id: String(n.id),
    kind: n.kind,
    message: n.message,
    ...(n.link ? { link: n.link } : {}),
    createdAt: n.createdAt.toISOString(),
    read: n.read,
  };
}
