import mongoose from 'mongoose';

/** The users this service has heard of (user:created), so that a pass can be sent to an email without asking auth. */
export interface UserDoc {
  /** The user's id. */
  _id: string;
  /** Lower case. */
  email: string;
}

const userSchema = new mongoose.Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    // Immutable and indexed: a find by email is an index lookup on MongoDB, a lookup list on FerretDB.
    email: { type: String, required: true, immutable: true, lowercase: true },
  },
  { versionKey: false },
);
userSchema.index({ email: 1 });

export const User = mongoose.model<UserDoc>('User', userSchema);

/** The user with this email (any case); null when no user:created for it has arrived. */
export function findUserByEmail(email: string) {
  return User.findOne({ email: email.toLowerCase() }).lean<UserDoc>().exec();
}
