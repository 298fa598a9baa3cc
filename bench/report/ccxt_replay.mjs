// Feeds a JSONL stream (bench/report/gen_streams.py) offline through ccxt's own
// WebSocket order-book handlers: ccxt.pro `woo` for the WOO v2 stream, ccxt.pro
// `deribit` for the Pulse (Deribit-style) stream. Each line is JSON.parse'd and
// handed to the exchange's handleMessage, as ccxt's WebSocket client does with a
// received frame; the client is a minimal stand-in (no socket, no futures).
//
// The WOO snapshot is the v2 `request` orderbook reply (what wirebook aligns
// on). ccxt takes its snapshot from REST instead, so the reply's book is handed
// to ccxt's own fetchOrderBookSnapshot as the REST answer (parsed with ccxt's
// parseOrderBook); the deltas then go through handleMessage unchanged.
//
// usage: node ccxt_replay.mjs --ccxt DIR --venue woo|pulse --frames FILE.jsonl
//          --truth truth.json [--rounds N] [--latencies OUT]
// Prints one JSON object: frames, the fastest round's ns/frame, errors, and
// whether every symbol's best bid and ask equal the generator's truth. Exits 1
// when a frame failed or a book top differs.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function parseArgs(argv) {
  const a = { rounds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (i + 1 >= argv.length) throw new Error(`--${key} needs a value`);
    a[key] = argv[i + 1];
  }
  for (const need of ['ccxt', 'venue', 'frames', 'truth']) {
    if (!a[need]) throw new Error(`--${need} is required`);
  }
  if (a.venue !== 'woo' && a.venue !== 'pulse') throw new Error('--venue is woo or pulse');
  a.rounds = Math.max(1, Math.min(20, Number(a.rounds)));
  return a;
}

// What ccxt's handlers use of a WebSocket client: subscriptions, resolve, reject.
function offlineClient() {
  return {
    url: 'offline',
    subscriptions: {},
    futures: {},
    rejections: [],
    resolve(result) { return result; },
    reject(error, hash) { this.rejections.push(`${hash}: ${error}`); },
    send() { return Promise.resolve(); },
  };
}

// The WOO v2 `request` reply as ccxt's REST snapshot, through ccxt's own code.
async function wooSnapshot(exchange, client, message) {
  const data = message.data;
  const symbol = exchange.safeSymbol(data.symbol);
  const topic = `${data.symbol}@orderbookupdate`;
  const subscription = { id: String(message.id), name: 'orderbookupdate', symbol, params: {} };
  client.subscriptions[topic] = subscription;
  const snapshot = exchange.parseOrderBook(data, symbol, data.ts, 'bids', 'asks');
  exchange.fetchRestOrderBookSafe = async () => snapshot;
  // handleOrderBookSubscription does these two steps (the second spawned).
  exchange.orderbooks[symbol] = exchange.orderBook({}, 1000);
  await exchange.fetchOrderBookSnapshot(client, { topic }, subscription);
}

function isWooSnapshot(message) {
  return message.event === 'request' && message.data !== undefined;
}

// One frame as ccxt's client hands it over: parsed, then handleMessage. Only
// a WOO snapshot is asynchronous (it returns its promise); every other frame
// runs synchronously, so the timing carries no await of ours.
function feed(exchange, client, line, stats) {
  const message = JSON.parse(line);
  const failed = (e) => {
    stats.errors += 1;
    if (stats.firstError === undefined) stats.firstError = String(e);
  };
  try {
    if (isWooSnapshot(message)) return wooSnapshot(exchange, client, message).catch(failed);
    exchange.handleMessage(client, message);
  } catch (e) {
    failed(e);
  }
  return undefined;
}

async function round(ccxt, venue, lines, latencies) {
  const exchange = venue === 'woo' ? new ccxt.pro.woo() : new ccxt.pro.deribit();
  const client = offlineClient();
  const stats = { errors: 0, firstError: undefined };
  const started = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) {
    if (latencies === undefined) {
      const pending = feed(exchange, client, lines[i], stats);
      if (pending !== undefined) await pending;
    } else {
      const t0 = process.hrtime.bigint();
      const pending = feed(exchange, client, lines[i], stats);
      if (pending !== undefined) await pending;
      latencies[i] = Number(process.hrtime.bigint() - t0);
    }
  }
  const ns = Number(process.hrtime.bigint() - started);
  stats.errors += client.rejections.length;
  if (stats.firstError === undefined && client.rejections.length > 0) {
    stats.firstError = client.rejections[0];
  }
  return { exchange, stats, ns };
}

// Every symbol's best bid and ask in ccxt's book against the generator's truth.
function checkTops(exchange, truth) {
  const mismatches = [];
  for (const [symbol, want] of Object.entries(truth)) {
    const book = exchange.orderbooks[exchange.safeSymbol(symbol)];
    if (book === undefined) {
      mismatches.push(`${symbol}: no book`);
      continue;
    }
    for (const [side, levels] of [['bid', book.bids], ['ask', book.asks]]) {
      const top = levels[0];
      const [px, qty] = want[side].map(Number);
      if (top === undefined || top[0] !== px || top[1] !== qty) {
        mismatches.push(`${symbol} ${side}: ccxt ${JSON.stringify(top)}, truth ${want[side]}`);
      }
    }
  }
  return mismatches;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const entry = path.join(a.ccxt, 'node_modules', 'ccxt', 'js', 'ccxt.js');
  const ccxt = (await import(pathToFileURL(path.resolve(entry)).href)).default;
  const version = JSON.parse(
    fs.readFileSync(path.join(a.ccxt, 'node_modules', 'ccxt', 'package.json'), 'utf8')).version;
  const lines = fs.readFileSync(a.frames, 'utf8').split('\n').filter((l) => l.length > 0);
  const truth = JSON.parse(fs.readFileSync(a.truth, 'utf8'))[a.venue];
  // Timed rounds (a fresh exchange each; the fastest counts), then one round
  // timing every frame alone for the latency CDF.
  let best;
  for (let r = 0; r < a.rounds; r++) {
    const result = await round(ccxt, a.venue, lines, undefined);
    if (best === undefined || result.ns < best.ns) best = result;
  }
  const latencies = a.latencies ? new Array(lines.length) : undefined;
  const last = await round(ccxt, a.venue, lines, latencies);
  if (latencies) fs.writeFileSync(a.latencies, latencies.join('\n') + '\n');
  const mismatches = checkTops(last.exchange, truth);
  const errors = best.stats.errors + last.stats.errors;
  const report = {
    consumer: `ccxt ${version} pro.${a.venue === 'woo' ? 'woo' : 'deribit'}`,
    frames: lines.length,
    ns_per_frame: best.ns / lines.length,
    frames_per_s: (lines.length * 1e9) / best.ns,
    errors,
    first_error: best.stats.firstError ?? last.stats.firstError ?? null,
    tops_match: mismatches.length === 0,
    mismatches: mismatches.slice(0, 8),
  };
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exitCode = errors === 0 && mismatches.length === 0 ? 0 : 1;
}

main().catch((e) => {
  process.stderr.write(`ccxt_replay: ${e.stack || e}\n`);
  process.exitCode = 2;
});
