import mongoose from 'mongoose';
import { outboxPlugin, toJSONWithout, WithOutbox } from '@ticketing/common';
import { Password } from '../domain/password';

export interface UserAttrs {
  email: string;
  password: string;
}

export interface UserDoc extends mongoose.Document, UserAttrs, WithOutbox {
  /**
   * Set in the write that stages the user's user:created (the signup, or the
   * start-time backfill for users who signed up before auth published it).
   */
  announced?: boolean;
}

const userSchema = new mongoose.Schema<UserDoc>(
  {
    // Stored lower-cased so the unique index sees one address once.
    email: { type: String, required: true, lowercase: true, trim: true },
    password: { type: String, required: true },
    announced: { type: Boolean },
  },
  {
    toJSON: toJSONWithout('password', 'announced'),
  },
);

// The database, not a read-then-insert, decides who gets an email first.
userSchema.index({ email: 1 }, { unique: true });

userSchema.plugin(outboxPlugin);

// The backfill's query ({announced: {$ne: true}}) reads only the unannounced users' keys.
userSchema.index({ announced: 1 });

userSchema.pre('save', async function hashPassword() {
  if (this.isModified('password')) this.password = await Password.toHash(this.password);
});

export const User = mongoose.model<UserDoc>('User', userSchema);

/** The ids of users whose user:created was never staged, a page of them after `after` (by _id). */
export async function unannouncedUserIds(limit: number, after?: mongoose.Types.ObjectId): Promise<mongoose.Types.ObjectId[]> {
  const filter: Record<string, unknown> = { announced: { $ne: true } };
  if (after) filter._id = { $gt: after };
  const docs = await User.find(filter, { _id: 1 }).sort({ _id: 1 }).limit(limit).lean();
  return docs.map((d) => d._id as mongoose.Types.ObjectId);
}
