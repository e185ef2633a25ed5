/**
 * Runs a transaction again when PostgreSQL ended it to break a deadlock (40P01) or a serialization
 * conflict (40001): the other transaction went through, so a second try usually does too.
 */
export async function retryConflicts<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= attempts || (code !== '40P01' && code !== '40001')) throw error;
    }
  }
}
