import mongoose from 'mongoose';

/** The replica of users' emails (user:created): where a user's notifications are emailed. */
export interface UserDoc {
  _id: mongoose.Types.ObjectId;
  email: string;
}

const userSchema = new mongoose.Schema<UserDoc>({ email: { type: String, required: true } }, { versionKey: false });

export const User = mongoose.model<UserDoc>('User', userSchema);
