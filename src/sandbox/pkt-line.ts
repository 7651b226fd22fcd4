/**
 * Git's pkt-line framing (gitprotocol-common(5)), as much as the git proxy needs: every packet is
 * four hex digits giving its whole length (the digits included) then the payload; `0000` is a
 * flush-pkt that ends a section. `0001` (delim) and `0002` (response-end) exist only in protocol
 * v2 and are returned as such, so that a reader of v0 framing can refuse them.
 *
 * Side-band: once negotiated, a response is carried in packets whose first payload byte names the
 * band — 1 data, 2 progress, 3 fatal error.
 */

/** Longest packet git sends or accepts, the four length digits included. */
export const MAX_PKT_LENGTH = 65520;
/** Longest packet on `side-band` (the old, small one); `side-band-64k` uses MAX_PKT_LENGTH. */
export const SIDE_BAND_PKT_LENGTH = 1000;
export const FLUSH_PKT: Buffer = Buffer.from('0000', 'ascii');

export type Packet =
  | { readonly kind: 'data'; readonly payload: Buffer }
  | { readonly kind: 'flush' }
  | { readonly kind: 'delim' }
  | { readonly kind: 'response-end' };

/** The bytes are not pkt-lines. The message is fixed text, never the offending bytes. */
export class PktLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PktLineError';
  }
}

const HEX4 = /^[0-9a-fA-F]{4}$/;
const SPECIAL: Readonly<Record<number, Packet>> = {
  0: { kind: 'flush' },
  1: { kind: 'delim' },
  2: { kind: 'response-end' },
};

export function encodePktLine(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = body.length + 4;
  if (length > MAX_PKT_LENGTH)
    throw new RangeError(`a pkt-line holds at most ${MAX_PKT_LENGTH - 4} bytes, not ${body.length}`);
  return Buffer.concat([Buffer.from(length.toString(16).padStart(4, '0'), 'ascii'), body]);
}

/**
 * Reads the packet starting at `offset`: undefined when `buffer` does not hold all of it yet.
 * Throws PktLineError when the bytes there cannot be a packet.
 */
export function readPacket(
  buffer: Buffer,
  offset: number,
): { readonly packet: Packet; readonly next: number } | undefined {
  if (buffer.length - offset < 4) return undefined;
  const digits = buffer.toString('latin1', offset, offset + 4);
  if (!HEX4.test(digits)) throw new PktLineError('a pkt-line length is not four hex digits');
  const length = Number.parseInt(digits, 16);
  const special = SPECIAL[length];
  if (special) return { packet: special, next: offset + 4 };
  if (length < 4) throw new PktLineError('a pkt-line length is below 4');
  if (length > MAX_PKT_LENGTH) throw new PktLineError('a pkt-line is longer than git allows');
  if (buffer.length - offset < length) return undefined;
  return { packet: { kind: 'data', payload: buffer.subarray(offset + 4, offset + length) }, next: offset + length };
}

export type Section =
  | { readonly complete: false }
  /** `end` is the offset just after the flush-pkt. */
  | { readonly complete: true; readonly payloads: readonly Buffer[]; readonly end: number };

/**
 * Reads the data packets at the start of `buffer` up to the first flush-pkt. Throws PktLineError
 * on bytes that are not pkt-lines, and on a v2 delim or response-end packet.
 */
export function readSection(buffer: Buffer): Section {
  const payloads: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const read = readPacket(buffer, offset);
    if (!read) return { complete: false };
    offset = read.next;
    if (read.packet.kind === 'flush') return { complete: true, payloads, end: offset };
    if (read.packet.kind !== 'data') throw new PktLineError(`unexpected ${read.packet.kind} packet`);
    payloads.push(read.packet.payload);
  }
}

/**
 * Splits a stream of pkt-lines arriving in arbitrary chunks into packets. Holds at most one
 * unfinished packet (≤ MAX_PKT_LENGTH bytes) between chunks.
 */
export class PktLineDecoder {
  #pending: Buffer = Buffer.alloc(0);

  /** The packets completed by `chunk`. Throws PktLineError, after which the decoder is useless. */
  push(chunk: Buffer): Packet[] {
    const buffer = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const packets: Packet[] = [];
    let offset = 0;
    for (let read = readPacket(buffer, offset); read; read = readPacket(buffer, offset)) {
      packets.push(read.packet);
      offset = read.next;
    }
    // A copy, so that a large chunk is not kept alive by the few bytes left of it.
    this.#pending = Buffer.from(buffer.subarray(offset));
    return packets;
  }
}

/** `data` in side-band packets of `band`, each at most `maxPacket` bytes long (no flush added). */
export function encodeSideBand(band: 1 | 2 | 3, data: Buffer, maxPacket: number): Buffer {
  const room = maxPacket - 5;
  const packets: Buffer[] = [];
  for (let start = 0; start < data.length; start += room) {
    packets.push(encodePktLine(Buffer.concat([Buffer.of(band), data.subarray(start, start + room)])));
  }
  return Buffer.concat(packets);
}
