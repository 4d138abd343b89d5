export interface SerializedError {
  message: string;
  field?: string;
}

/** An error that knows its HTTP status and how to present itself to a client. */
export abstract class CustomError extends Error {
  abstract statusCode: number;

  constructor(message: string) {
    super(message);
    // Keep instanceof working for subclasses compiled to ES5-style classes.
    Object.setPrototypeOf(this, new.target.prototype);
  }

  abstract serializeErrors(): SerializedError[];
}

/** A CustomError whose body is just its message. */
export abstract class SimpleError extends CustomError {
  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}
