/**
 * HTTP for end-to-end tests of the local runtime: JSON in and out with an API key, and polling until the
 * asynchronous pipeline (queues, workers, timers) has done its part.
 */

/** JSON bodies of many shapes, read loosely: each test's assertions say what a body must hold. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Json = any;

export function apiClient(baseUrl: () => string) {
  return async function api(
    method: string,
    path: string,
    key: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
}

/** Reads until `done` holds or the time is up, and returns the last value read (the test asserts on it). */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
