/**
 * One HTTP responder for bench/tools/scrape-floor.ts: `bun server.ts serve|listen|none`. Prints its
 * port, then its own CPU (ms, all threads) each time a line arrives on stdin.
 */
const mode = process.argv[2];
const body = `${"x".repeat(6000)}\n`; // about a 20-job exposition's size
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let port = 0;
if (mode === "serve") {
  port = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: (r) => new URL(r.url).pathname === "/metrics" ? new Response(body, { headers: { "content-type": "text/plain; version=0.0.4" } }) : new Response("not found\n", { status: 404 }),
  }).port!;
} else if (mode === "listen") {
  // HTTP/1.1 by hand over a raw socket: no Request, Response, URL or headers objects
  port = Bun.listen({
    hostname: "127.0.0.1", port: 0,
    socket: {
      data(socket, data) {
        const text = data.toString("latin1");
        const ok = text.startsWith("GET /metrics ");
        const b = ok ? body : "not found\n";
        socket.end(`HTTP/1.1 ${ok ? "200 OK" : "404 Not Found"}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: ${Buffer.byteLength(b)}\r\nconnection: close\r\n\r\n${b}`);
      },
    },
  }).port;
}
process.stdout.write(`${port}\n`);
process.stdin.on("data", () => process.stdout.write(`${cpuMs()}\n`));
