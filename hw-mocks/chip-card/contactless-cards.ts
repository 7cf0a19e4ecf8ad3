/**
 * The virtual contactless cards by profile: a `qvsdc` profile makes a
 * `QvsdcCard` (Book C-3), an `mchip` profile an `MchipContactlessCard`
 * (Book C-2). `tap` (`contactless-tap.ts`) runs a reader over either.
 */
import type { ContactlessCard, ContactlessCardOptions } from './contactless-card.js';
import { personaliseContactless, type ContactlessPersonaliseOptions } from './contactless-personalise.js';
import { MchipContactlessCard } from './mchip-contactless-card.js';
import { QvsdcCard } from './qvsdc-card.js';

export function buildContactlessCard(options: ContactlessPersonaliseOptions & ContactlessCardOptions): ContactlessCard {
  const image = personaliseContactless(options);
  const cardOptions = options.random === undefined ? {} : { random: options.random };
  return image.profile.kernel === 'qvsdc' ? new QvsdcCard(image, cardOptions) : new MchipContactlessCard(image, cardOptions);
}
