/** Ports of the audit trail. */

/** Turns a subject id into its stable pseudonym (keyed HMAC). */
export interface Pseudonymizer {
  /** The pseudonym of a subject id (hex). */
  pseudonym(subjectId: string): Promise<string>;
}

/** Signs and verifies checkpoints. */
export interface CheckpointSigner {
  /** Key id recorded in each checkpoint. */
  readonly keyId: string;
  /** Algorithm name recorded in each checkpoint. */
  readonly algorithm: string;
  /** Signs bytes. */
  sign(bytes: Uint8Array): Promise<Uint8Array>;
  /** Verifies a signature. */
  verify(bytes: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** The public key as PEM (SPKI), for checking checkpoints offline. */ publicKeyPem(): Promise<string>;
}

/** Where checkpoints are also written (an Object-Lock bucket on AWS). */
export interface CheckpointSink {
  /** Writes one checkpoint document. */
  put(name: string, body: Uint8Array): Promise<void>;
}

/** One archived checkpoint name, as the archive holds it. */
export interface ArchivedCheckpoint {
  /** Object key (`checkpoints/NNNNNNNNNN.json`). */
  readonly key: string;
  /**
   * Versions (delete markers included) the archive holds under the key: a
   * checkpoint is written once, so more than one is tampering.
   */
  readonly versions: number;
  /**
   * The oldest version's document, parsed (what was first written);
   * undefined when not read (below the `fromIndex` asked for).
   */
  readonly document: unknown;
}

/** A sink whose checkpoints can be read back (the Object-Lock archive). */
export interface CheckpointArchive extends CheckpointSink {
  /**
   * Every archived checkpoint name with its version count, in key order,
   * and the oldest document of each from index `fromIndex` on (default 0:
   * all), so an incremental verifier reads only the new ones.
   */
  readAll(fromIndex?: number): Promise<ArchivedCheckpoint[]>;
}

/**
 * Proves which writer wrote an audit event: a keyed MAC over the event's
 * canonical bytes, made when the event is staged. Only writers can make
 * one; the verifier only checks them, so an event put into the table by
 * anyone without a writer key is found and named.
 */
export interface EventAuthenticator {
  /** Name of the writer, recorded in (and covered by) each event's MAC. */
  readonly writer: string;
  /** MAC of bytes. */
  mac(bytes: Uint8Array): Promise<Uint8Array>;
  /** True when `mac` is this key's MAC of `bytes`. */
  verify(bytes: Uint8Array, mac: Uint8Array): Promise<boolean>;
}
