import { createServer } from 'node:net';

/**
 * A TCP port free right now on the loopback interface. Emulators that cannot listen on port 0 themselves
 * (DynamoDB Local is a Java process) get one of these; callers retry if another process takes it meanwhile.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
