import type { ErrorSpec } from './kind.js';

/** The journal, store-and-forward, key files at rest and the service's start-up checks. */
export const JOURNAL_ERRORS = {
  JOURNAL_CORRUPT: {
    kind: 'io',
    summary: 'The journal file is not a database or fails its integrity check; the terminal refuses transactions and leaves the file untouched.',
  },
  JOURNAL_DISK_FULL: { kind: 'io', summary: 'The journal could not be written because the disk (or the journal size cap) is full; the step was not recorded.' },
  JOURNAL_READ_ONLY: { kind: 'io', summary: 'The journal file or its folder cannot be written (read-only filesystem or permissions).' },
  JOURNAL_UNAVAILABLE: { kind: 'io', summary: 'The journal cannot be opened or written for another reason (missing folder, I/O error).' },
  JOURNAL_IN_USE: { kind: 'state', summary: 'Another running terminal (its pid in details) holds this journal folder: one terminal per journal, and tools that change it wait until it stops.' },
  JOURNAL_DIR_INVALID: { kind: 'config', summary: 'The journal folder (journal.dir or $POS_STATE_DIR) is a file, or a file stands in its path.' },
  JOURNAL_FAULTED: { kind: 'state', summary: 'An earlier journal fault stopped new transactions; details name the fault. Restart once it is fixed.' },
  JOURNAL_SCHEMA_TOO_NEW: { kind: 'state', summary: 'The journal was written by a newer version of this software; this version will not touch it.' },
  JOURNAL_TRANSITION_INVALID: { kind: 'state', summary: 'The transaction state machine does not allow that step from the state the journal holds.' },
  JOURNAL_NOT_FOUND: { kind: 'input', summary: 'No journal entry with that id.' },
  JOURNAL_DUPLICATE: { kind: 'state', summary: 'A journal entry with that transaction id already exists.' },
  JOURNAL_QUERY_INVALID: { kind: 'input', summary: 'A journal query option (--since, --status, id) is malformed.' },
  JOURNAL_INTERRUPTED: { kind: 'state', summary: 'The terminal stopped in the middle of this transaction; recovery at start decided its end.' },
  SAF_OFFLINE_REFUSED: { kind: 'state', summary: 'Store-and-forward policy does not allow this transaction to be approved offline (details say why).' },
  SAF_ADVICE_UNREADABLE: {
    kind: 'state',
    summary:
      "A queued advice lacks what a 0220 needs (its sealed card data, STAN or DE 7); on the acquirer's side, sealed card data that does not open (another key, altered, another message's). The advice stays queued until its life ends.",
  },
  SAF_ADVICE_EXPIRED: {
    kind: 'state',
    summary:
      'An advice the host never acknowledged within storeAndForward.adviceMaxAgeDays or adviceMaxAttempts (or sealed under a retired key) left the queue: its card data destroyed, the masked row kept as advice-expired for the operator to settle.',
  },
  KEY_FILE_MISSING: { kind: 'config', summary: 'A key file the terminal needs does not exist.' },
  KEY_FILE_NOT_REGULAR: { kind: 'config', summary: 'A key file path is a symbolic link, a folder or a device, not a regular file.' },
  KEY_FILE_MODE: { kind: 'config', summary: 'A key file (or the key folder) can be read or written by users other than its owner.' },
  KEY_FILE_OWNER: { kind: 'config', summary: 'A key file (or the key folder) is not owned by the user the service runs as.' },
  KEY_FILE_INVALID: {
    kind: 'config',
    summary: 'A key file does not hold a key in the expected form (hex digits of an accepted length; acquirer-advice.pub: an X25519 public key in PEM).',
  },
  KEY_BLOCK_INVALID: {
    kind: 'config',
    summary: 'A key block file (tak.tr31) does not give a usable key under the key-block protection key beside it (wrong KBPK, altered block, a use it does not allow); details give the TR-31 code.',
  },
} as const satisfies Record<string, ErrorSpec>;
