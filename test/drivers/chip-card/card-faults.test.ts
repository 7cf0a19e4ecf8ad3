import { describe, expect, it } from 'vitest';
import { declinesAtSecondAc, pulledAtSecondAc, unreadableChip } from '../../../hw-mocks/chip-card/card-faults.js';
import { RecordingCard } from './recording-card.js';

const ATR = Buffer.from('3B6800000073C84012009000', 'hex');

const GENERATE_AC = (p1: string): Buffer => Buffer.from(`80AE${p1}0002AABB00`, 'hex');
const SELECT = Buffer.from('00A404000E315041592E5359532E444446303100', 'hex');

describe('card faults', () => {
  it('an unreadable chip keeps its ATR and answers every command 6F 00', () => {
    const chip = unreadableChip(Buffer.from('3B6700', 'hex'));
    expect(chip.atr.toString('hex')).toBe('3b6700');
    expect(Buffer.from(chip.transmit(SELECT) as Buffer).toString('hex')).toBe('6f00');
    expect(Buffer.from(chip.transmit(GENERATE_AC('80')) as Buffer).toString('hex')).toBe('6f00');
  });

  it('declines at the second GENERATE AC: its P1 asks an AAC, keeping the CDA bit; the first and other commands pass as sent', () => {
    const card = new RecordingCard(ATR);
    const faulty = declinesAtSecondAc(card);
    faulty.powerOn();
    void faulty.transmit(SELECT);
    void faulty.transmit(GENERATE_AC('90'));
    void faulty.transmit(GENERATE_AC('50'));
    expect(card.events).toEqual(['on', `apdu ${SELECT.toString('hex').toUpperCase()}`, 'apdu 80AE900002AABB00', 'apdu 80AE100002AABB00']);
  });

  it('a power cycle starts the count again', () => {
    const card = new RecordingCard(ATR);
    const faulty = declinesAtSecondAc(card);
    void faulty.transmit(GENERATE_AC('80'));
    faulty.powerOff();
    faulty.powerOn();
    void faulty.transmit(GENERATE_AC('80'));
    expect(card.commands.filter((c) => c.startsWith('80AE'))).toEqual(['80AE800002AABB00', '80AE800002AABB00']);
  });

  it('pulled at the second GENERATE AC: the cardholder pulls, and the command is never answered', async () => {
    const card = new RecordingCard(ATR);
    let pulled = 0;
    const faulty = pulledAtSecondAc(card, () => pulled++);
    expect(Buffer.from(await faulty.transmit(GENERATE_AC('80'))).toString('hex')).toBe('9000');
    expect(pulled).toBe(0);
    const second = Promise.race([Promise.resolve(faulty.transmit(GENERATE_AC('40'))), new Promise((resolve) => setTimeout(() => resolve('unanswered'), 50))]);
    await expect(second).resolves.toBe('unanswered');
    expect(pulled).toBe(1);
    expect(card.events).toEqual(['apdu 80AE800002AABB00']);
  });
});
