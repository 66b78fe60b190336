/**
 * A minimal protocol-buffers encoder: just the wire types TensorBoard's Event and Summary
 * messages need (varint, 64-bit double, 32-bit float, length-delimited bytes).
 */
export class ProtoWriter {
  private readonly chunks: number[] = [];

  /** Appends a base-128 varint (non-negative integers up to 2^53). */
  private varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`varint: expected a non-negative safe integer, got ${value}`);
    while (value >= 0x80) {
      this.chunks.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.chunks.push(value);
  }

  private key(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint(field * 8 + wireType);
  }

  /** An int64/uint64 field (wire type 0). */
  int64(field: number, value: number): this {
    this.key(field, 0);
    this.varint(value);
    return this;
  }

  /** A double field (wire type 1, little-endian IEEE 754). */
  double(field: number, value: number): this {
    this.key(field, 1);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.chunks.push(...bytes);
    return this;
  }

  /** A float field (wire type 5, little-endian IEEE 754 single precision). */
  float(field: number, value: number): this {
    this.key(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.chunks.push(...bytes);
    return this;
  }

  /** A bytes or embedded-message field (wire type 2). */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(value.length);
    for (const b of value) this.chunks.push(b);
    return this;
  }

  /** A string field (UTF-8, wire type 2). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}
