/**
 * Every test file belongs to exactly one tier (test/tiers/tiers.test.ts checks
 * it); vitest.config.ts makes each tier a vitest project, `npm run test:<tier>`
 * runs one, `npm test` all three.
 *
 *   unit    in this process, no sockets, no processes: codecs, crypto, card,
 *           the engine and journal with fakes          (unit-setup.ts enforces it);
 *           `npm run test:unit` runs its files with shared modules
 *           (--no-isolate, 3× faster), so a unit test leaves no state behind
 *   wire    real TCP, TLS, HTTP and unix sockets, socat ptys, against the
 *           sources; never the built `pos`             (wire-setup.ts enforces it)
 *   system  processes of the built project (`dist/`) and the OS's own tools
 *           checking our system files (systemd-analyze, udevadm, install.sh);
 *           refuses to run on a `dist/` older than the sources (fresh-dist.ts)
 *
 * A member is a folder (`test/card/`: every test file below it) or one file.
 * A folder whose files are in different tiers lists its files one by one.
 */

export type TierName = 'unit' | 'wire' | 'system';

export interface Tier {
  readonly name: TierName;
  readonly members: readonly string[];
}

export const TIERS: readonly Tier[] = [
  {
    name: 'unit',
    members: [
      'test/card/',
      'test/config/',
      'test/crypto/',
      'test/docs/',
      'test/emv/',
      'test/iso8583/',
      'test/tiers/',
      'test/txn/',
      'test/util/',
      'test/app/cardholder-tap.test.ts',
      'test/app/chip-kernel.test.ts',
      'test/app/key-files.test.ts',
      'test/app/terminal-presence.test.ts',
      'test/bench/emv-kernel-t0-wire.test.ts',
      'test/cli/diag-card.test.ts',
      'test/cli/run-errors.test.ts',
      'test/cli/usage.test.ts',
      'test/crash/acts.test.ts',
      'test/crash/host-book.test.ts',
      'test/crash/money-check.test.ts',
      'test/crash/plan.test.ts',
      'test/crash/reconcile.test.ts',
      'test/crash/register-check.test.ts',
      'test/drivers/chip-card/',
      'test/drivers/device-kinds.test.ts',
      'test/drivers/escpos-printer/escpos-commands.test.ts',
      'test/drivers/escpos-printer/escpos-kind.test.ts',
      'test/drivers/escpos-printer/escpos-printer.test.ts',
      'test/drivers/escpos-printer/escpos-status.test.ts',
      'test/drivers/escpos-printer/escpos-twin.test.ts',
      'test/drivers/hid/diag-devices.test.ts',
      'test/drivers/hid/hid-transport.test.ts',
      'test/drivers/keyboard/keyboard-decoder.test.ts',
      'test/drivers/keyboard/keyboard-msr-reader.test.ts',
      'test/drivers/line-framer.test.ts',
      'test/drivers/magtek/magtek-hid-reader.test.ts',
      'test/drivers/magtek/magtek-report.test.ts',
      'test/drivers/msr-serial-binding-mock.test.ts',
      'test/drivers/msr-serial-reader.test.ts',
      'test/drivers/pcsc/pcsc-slot.test.ts',
      'test/drivers/pcsc/procedure-bytes.test.ts',
      'test/drivers/pcsc/reader-list.test.ts',
      'test/drivers/pcsc/smartcard-binding.test.ts',
      'test/drivers/pcsc/vpcd-framing.test.ts',
      'test/drivers/pcsc/vpcd-slot-lock.test.ts',
      'test/drivers/pinpad/amount-entry-frames.test.ts',
      'test/drivers/pinpad/amount-entry.test.ts',
      'test/drivers/pinpad/verifone-framer.test.ts',
      'test/drivers/pinpad/verifone-pinpad.test.ts',
      'test/drivers/pinpad/virtual-pinpad-keys.test.ts',
      'test/drivers/reconnect.test.ts',
      'test/drivers/serial-transport.test.ts',
      'test/drivers/vfd/vfd-render.test.ts',
      'test/drivers/vivopay/activate-data.test.ts',
      'test/drivers/vivopay/chip-data.test.ts',
      'test/drivers/vivopay/configuration/codec.test.ts',
      'test/drivers/vivopay/configuration/configure.test.ts',
      'test/drivers/vivopay/configuration/desired.test.ts',
      'test/drivers/vivopay/configuration/guide-frames.test.ts',
      'test/drivers/vivopay/configuration/sync.test.ts',
      'test/drivers/vivopay/contact-data.test.ts',
      'test/drivers/vivopay/guide-frames.test.ts',
      'test/drivers/vivopay/stored-reader-kernel.test.ts',
      'test/drivers/vivopay/virtual-vivopay.test.ts',
      'test/drivers/vivopay/virtual-vivopay-tap.test.ts',
      'test/drivers/vivopay/vivopay-framer.test.ts',
      'test/drivers/vivopay/vivopay-hid.test.ts',
      'test/drivers/vivopay/vivopay-kind.test.ts',
      'test/drivers/vivopay/vivopay-reader.test.ts',
      'test/drivers/vivopay/vivopay-tap.test.ts',
      'test/host/chip-cryptograms.test.ts',
      'test/host/contactless-cryptograms.test.ts',
      'test/host/contactless-entry-modes.test.ts',
      'test/host/drain-loop.test.ts',
      'test/host/encrypted-tracks.test.ts',
      'test/host/follow-up-issuer.test.ts',
      'test/host/follow-up-message.test.ts',
      'test/host/length-prefix-framer.test.ts',
      'test/host/messages.test.ts',
      'test/host/purchase-message.test.ts',
      'test/host/sealed-advice.test.ts',
      'test/host/simulator-core.test.ts',
      'test/host/thread-messages.test.ts',
      'test/receipt/layout.test.ts',
      'test/receipt/layout-fuzz.test.ts',
      'test/receipt/print-spool.test.ts',
    ],
  },
  {
    name: 'wire',
    members: [
      'test/app/acquirer-advice-key.test.ts',
      'test/app/ecr-batch-routes.test.ts',
      'test/app/ecr-api.test.ts',
      'test/app/ecr-openapi.test.ts',
      'test/app/ecr-reference.test.ts',
      'test/app/ecr-security.test.ts',
      'test/app/failure-paths-e2e.test.ts',
      'test/app/neo2-terminal.test.ts',
      'test/app/offline-e2e.test.ts',
      'test/app/pcsc-terminal.test.ts',
      'test/app/resilient-devices.test.ts',
      'test/app/transaction-types-e2e.test.ts',
      'test/app/virtual-neo2-configuration.test.ts',
      'test/app/watchdog.test.ts',
      'test/drivers/escpos-printer/escpos-devices.test.ts',
      'test/drivers/escpos-printer/escpos-wire.test.ts',
      'test/drivers/msr-serial-pty.integration.test.ts',
      'test/drivers/pcsc/diag-card-pcscd.test.ts',
      'test/drivers/pcsc/pcsc-kind.test.ts',
      'test/drivers/pcsc/pcscd-vpcd.test.ts',
      'test/drivers/pcsc/vpcd-bridge.test.ts',
      'test/drivers/pinpad/pinpad-pty.integration.test.ts',
      'test/drivers/vfd/vfd-display.test.ts',
      'test/drivers/vivopay/configuration/configuration-pty.integration.test.ts',
      'test/drivers/vivopay/vivopay-pty.integration.test.ts',
      'test/drivers/vivopay/vivopay-tap-pty.integration.test.ts',
      'test/host/admin-server.test.ts',
      'test/host/bank-host-simulator.test.ts',
      'test/host/channel.test.ts',
      'test/host/encrypted-reader.test.ts',
      'test/host/follow-ups-simulator.test.ts',
      'test/host/host-client-simulator.test.ts',
      'test/host/iso8583-host-client.test.ts',
      'test/host/json-gateway-masked.test.ts',
      'test/host/json-gateway.test.ts',
      'test/host/network.test.ts',
      'test/host/reversal.test.ts',
      'test/hygiene/at-rest.test.ts',
      'test/receipt/ecr-receipt-routes.test.ts',
    ],
  },
  {
    name: 'system',
    members: [
      'test/e2e/',
      'test/systemd/',
      'test/app/no-simulation-loaded.test.ts',
      'test/cli/batch.test.ts',
      'test/cli/bundle.test.ts',
      'test/cli/keys-init.test.ts',
      'test/cli/run.test.ts',
      'test/cli/spawned.test.ts',
      'test/crash/crash.test.ts',
      'test/host/host-sim-cli.test.ts',
      'test/hygiene/hygiene.test.ts',
      'test/hygiene/memory-dump.test.ts',
      'test/receipt/print-crash.test.ts',
      'test/receipt/receipt-cli.test.ts',
    ],
  },
];

/** A member as a vitest include pattern. */
export function includePattern(member: string): string {
  return member.endsWith('/') ? `${member}**/*.test.ts` : member;
}

/** Whether `member` names `file` (a path relative to the project root). */
export function memberHolds(member: string, file: string): boolean {
  return member.endsWith('/') ? file.startsWith(member) : file === member;
}
