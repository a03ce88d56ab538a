import type { ModelKind } from '../../../src-main/engine/api-types';

/**
 * Why a run cannot say which attributes drove a drive's score, in words, or null where it can: trees split their
 * push toward failure by attribute, autoencoders their reconstruction error; the LSTM classifier gives one
 * probability per window and no share per attribute (yet).
 */
export function noExplanation(kind: ModelKind): string | null {
  if (kind === 'lstm-clf')
    return (
      'The LSTM classifier gives one probability per window, not a share per attribute, so this run cannot say ' +
      'which attributes drove it. Trees and the autoencoders can; the drive history above and the nearest failed ' +
      'drives below show what it looks like.'
    );
  return null;
}
