import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** One connection that went through the proxy: what the client asked for at startup. */
export interface ProxiedSession {
  /** The startup parameters (user, database, options, application_name…). */
  params: Record<string, string>;
  /** The proxy's own port towards the server: the server logs it as `connection received: … port=N`. */
  upstreamPort: number;
}

/** A TCP proxy in front of a Postgres server that records every session's startup message. */
export interface PgProxy {
  port: number;
  sessions: ProxiedSession[];
  close(): Promise<void>;
}

const sslRequest = 80877103;
const gssRequest = 80877104;

/**
 * Starts a proxy to `host:port`. It reads each client's startup message (declining SSL and
 * GSS encryption, so the rest is plain protocol), records its parameters, then forwards
 * bytes both ways untouched. The startup message is the only place a client's
 * `-c default_transaction_read_only=on` travels, and the server does not log it.
 */
export async function startPgProxy(host: string, port: number): Promise<PgProxy> {
  const sessions: ProxiedSession[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 8) return;
      const length = buffered.readInt32BE(0);
      if (buffered.length < length) return;
      const code = buffered.readInt32BE(4);
      if (length === 8 && (code === sslRequest || code === gssRequest)) {
        buffered = buffered.subarray(8);
        client.write('N');
        return;
      }
      client.off('data', onData);
      client.pause(); // until piped: nothing the client sends next may be lost
      const params: Record<string, string> = {};
      const fields = buffered.subarray(8, length).toString('utf8').split('\0');
      for (let i = 0; i + 1 < fields.length && fields[i]; i += 2) params[fields[i]!] = fields[i + 1]!;
      const upstream = connect(port, host, () => {
        sessions.push({ params, upstreamPort: upstream.localPort! });
        upstream.write(buffered);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
