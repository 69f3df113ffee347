/**
 * A lean HTTP/1.1 load client on node:net: one keep-alive connection, the request's bytes built
 * once per (method, path, body) and written in one call, the answer read by its Content-Length (or
 * chunked encoding). It does what `HttpClient` does for a closed loop at about a fifth of the CPU:
 * on a two-core machine the node:http client spent more CPU per request than the server it loaded,
 * so the measurement was mostly of the client (bench/serving). No pipelining: one request in flight.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { HttpResult, LoadClient } from './load.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');

interface Pending {
  t0: number;
  resolve(r: HttpResult): void;
  reject(err: Error): void;
}

export class RawHttpClient implements LoadClient {
  private readonly host: string;
  private readonly port: number;
  private socket: net.Socket | undefined;
  private pending: Pending | undefined;
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private lastKey = '';
  private lastBody: Buffer | string | undefined;
  private lastBytes: Buffer | undefined;

  constructor(baseUrl: string) {
    const u = new URL(baseUrl);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') throw new Error(`benchmarks only target 127.0.0.1, not ${u.hostname}`);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  request(method: string, path: string, body?: Buffer | string, timeoutMs = 120_000): Promise<HttpResult> {
    if (this.pending) return Promise.reject(new Error('RawHttpClient: one request at a time'));
    const bytes = this.requestBytes(method, path, body);
    const socket = this.connection();
    return new Promise<HttpResult>((resolve, reject) => {
      this.pending = { t0: performance.now(), resolve, reject };
      socket.setTimeout(timeoutMs);
      socket.write(bytes);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private requestBytes(method: string, path: string, body: Buffer | string | undefined): Buffer {
    const key = `${method} ${path}`;
    if (this.lastBytes && key === this.lastKey && body === this.lastBody) return this.lastBytes;
    const payload = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body) : body;
    const head = `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nAccept: application/json\r\n` + (body === undefined ? '\r\n' : `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`);
    this.lastKey = key;
    this.lastBody = body;
    this.lastBytes = Buffer.concat([Buffer.from(head, 'latin1'), payload]);
    return this.lastBytes;
  }

  private connection(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => socket.destroy(new Error('no response within the timeout')));
    // Only the current connection's end concerns the request in flight: a connection this client
    // closed itself (after `Connection: close`) reports its close after the next request started.
    socket.on('error', (err) => {
      if (this.socket === socket) this.fail(err);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.fail(new Error('connection closed before the answer was complete'));
    });
    this.socket = socket;
    this.received = [];
    this.receivedBytes = 0;
    return socket;
  }

  private fail(err: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.socket?.destroy();
    p.reject(err);
  }

  private onData(chunk: Buffer): void {
    if (!this.pending) return void this.fail(new Error('data with no request in flight'));
    this.received.push(chunk);
    this.receivedBytes += chunk.length;
    const all = this.received.length === 1 ? chunk : Buffer.concat(this.received, this.receivedBytes);
    const headEnd = all.indexOf(CRLFCRLF);
    if (headEnd < 0) return;
    const head = all.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const bodyStart = headEnd + 4;
    let body: Buffer;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) {
      const end = bodyStart + Number(length[1]);
      if (all.length < end) return this.keep(all);
      if (all.length > end) return this.fail(new Error('bytes after the answer (the client does not pipeline)'));
      body = all.subarray(bodyStart, end);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const whole = dechunk(all.subarray(bodyStart));
      if (whole === 'partial') return this.keep(all);
      if (whole === 'extra') return this.fail(new Error('malformed chunked answer, or bytes after it (the client does not pipeline)'));
      body = whole;
    } else {
      return this.fail(new Error(`answer without Content-Length or chunked encoding: ${head.split('\r\n')[0]}`));
    }
    const p = this.pending;
    this.pending = undefined;
    this.received = [];
    this.receivedBytes = 0;
    this.socket?.setTimeout(0);
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    p.resolve({ status, body, ms: performance.now() - p.t0 });
  }

  private keep(all: Buffer): void {
    this.received = [all];
  }
}

/** The payload of a chunked body (no trailers), or whether it is incomplete or malformed (or followed by more). */
function dechunk(raw: Buffer): Buffer | 'partial' | 'extra' {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) return 'partial';
    const size = parseInt(raw.toString('latin1', at, lineEnd), 16);
    if (!(size >= 0)) return 'extra';
    const next = lineEnd + 2 + size + 2;
    if (next > raw.length) return 'partial';
    if (size === 0) return next === raw.length ? Buffer.concat(parts) : 'extra';
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = next;
  }
}
