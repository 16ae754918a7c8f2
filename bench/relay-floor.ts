// The floor of a streamed answer: the least a server can do between a provider's chunk and its
// client's, on this machine. Per request it opens one streamed chat completion at
// RELAY_PROVIDER_URL (node:http, no web streams), splits the provider's Server-Sent Events,
// parses each chunk's JSON for its text (what any relay must read) and writes it to its client
// as Trellis writes a delta (`event: text`, `data: {"text":…}`), then `done`. No database, no
// auth, no storage, no SDK: what is left is two sockets, the parse and the event loop. bench/chat.ts
// runs it beside Trellis with the same provider and clients, so the two overheads are measured
// alike in one run.
// Prints one JSON line `{"msg":"relay floor ready","port":N}` on stdout once listening.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const providerUrl = process.env.RELAY_PROVIDER_URL;
if (!providerUrl) throw new Error('RELAY_PROVIDER_URL is required');
const target = new URL(`${providerUrl.replace(/\/$/, '')}/chat/completions`);
// One connection per answer, as Trellis holds; kept for the next answer when it ends.
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const BODY = JSON.stringify({ model: 'bench-model', stream: true, messages: [{ role: 'user', content: 'relay' }] });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const upstream = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) } }, (answer) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' });
      answer.setEncoding('utf8');
      let buffer = '';
      answer.on('data', (text: string) => {
        buffer += text;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (!block.startsWith('data: ')) continue;
          const data = block.slice(6);
          if (data === '[DONE]') continue;
          const content = (JSON.parse(data) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content;
          if (content) res.write(`event: text\ndata: ${JSON.stringify({ text: content })}\n\n`);
        }
      });
      answer.on('end', () => res.end('event: done\ndata: {"status":"done"}\n\n'));
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    upstream.end(BODY);
  });
});
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'relay floor ready', port: (server.address() as AddressInfo).port }));
});
