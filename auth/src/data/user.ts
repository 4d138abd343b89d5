import mongoose from 'mongoose';
import { toJSONWithout } from '@ticketing/common';
import { Password } from '../domain/password';

export interface UserAttrs {
  email: string;
  password: string;
}

export interface UserDoc extends mongoose.Document, UserAttrs {}

const userSchema = new mongoose.Schema<UserDoc>(
  {
    // Stored lower-cased so the unique index sees one address once.
    email: { type: String, required: true, lowercase: true, trim: true },
    password: { type: String, required: true },
  },
  {
    toJSON: toJSONWithout('password'),
  },
);

// The database, not a read-then-insert, decides who gets an email first.
userSchema.index({ email: 1 }, { unique: true });

userSchema.pre('save', async function hashPassword() {
  if (this.isModified('password')) this.password = await Password.toHash(this.password);
});

export const User = mongoose.model<UserDoc>('User', userSchema);
