// HTTP on a raw socket, for what a client library would refuse to send (no Host, bad framing, stalls):
// write the bytes as they are, read until the server closes, and split a response into its parts.
import net from 'node:net';

/** Send `data` on a fresh connection to `url`'s port on loopback and read until the server closes it. */
export function rawExchange(url: string, data: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString(encoding)));
    socket.write(data);
  });
}

/** One raw response: its status, its headers (lower-cased names) and its body as text. */
export function parseRawResponse(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}
